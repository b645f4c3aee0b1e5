import { config } from "zod/mini";

/**
 * Imported first by each mode that validates with zod, before any schema is built (zod
 * decides when it builds an object schema): zod's JIT compiles each object schema into a
 * function with `new Function` at its first parse, which pays off over thousands of parses,
 * while an Action's run parses one policy and a few change requests, and would pay a cold
 * start's milliseconds for the compiling.
 */
config({ jitless: true });
