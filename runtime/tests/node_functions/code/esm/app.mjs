// runtime/tests/node_functions/code/esm/app.mjs — an ES module handler
// (export, import, top-level await) for t_node.py.
import { createHash } from "node:crypto";

const ready = await Promise.resolve("top-level await ran");

export const handler = async (event) => ({
  esm: true,
  ready,
  sha256: createHash("sha256").update(JSON.stringify(event)).digest("hex"),
});
