import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

/**
 * zod/mini leaves its messages to a locale the program installs; the few of zod's own that
 * reach a user (a union's, a format's) are English, as the rest of changegate's. Imported
 * by each module that builds schemas.
 */
config(en());
