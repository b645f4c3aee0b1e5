import { config } from "zod/mini";

/**
 * Imported first by each Action mode that validates with zod and by the command line, before
 * any schema is built (zod decides when it builds an object schema): zod's JIT compiles each
 * object schema into a function with `new Function` at its first parse, which pays off over
 * thousands of parses (the App keeps it), while an Action's run or a command parses one
 * policy and a few change requests, and would pay a cold start's milliseconds for the
 * compiling.
 */
config({ jitless: true });
