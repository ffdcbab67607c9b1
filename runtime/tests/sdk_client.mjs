// runtime/tests/sdk_client.mjs — the AWS SDK for JavaScript v3
// (@aws-sdk/client-lambda, pinned in runtime/node/package.json) as a client
// of sqlambda serve, for t_node.py. argv[2]: the endpoint; stdin: a JSON list
// of calls [{op: "Invoke"|"InvokeWithResponseStream", params: {...}}];
// stdout: a JSON list of their results (payloads as text, errors as
// {error: {name, message, status}}).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "node", "package.json"));
const { LambdaClient, InvokeCommand, InvokeWithResponseStreamCommand } = require("@aws-sdk/client-lambda");

const client = new LambdaClient({
  endpoint: process.argv[2],
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
  maxAttempts: 1,
});
const text = (b) => (b ? Buffer.from(b).toString("utf8") : null);

async function call({ op, params }) {
  if (params.Payload !== undefined) params.Payload = Buffer.from(params.Payload);
  try {
    if (op === "Invoke") {
      const r = await client.send(new InvokeCommand(params));
      return {
        StatusCode: r.StatusCode,
        FunctionError: r.FunctionError ?? null,
        ExecutedVersion: r.ExecutedVersion ?? null,
        LogResult: r.LogResult ? Buffer.from(r.LogResult, "base64").toString("utf8") : null,
        Payload: text(r.Payload),
      };
    }
    if (op === "InvokeWithResponseStream") {
      const r = await client.send(new InvokeWithResponseStreamCommand(params));
      const chunks = [];
      let complete = null;
      for await (const e of r.EventStream) {
        if (e.PayloadChunk) chunks.push(text(e.PayloadChunk.Payload));
        if (e.InvokeComplete) complete = e.InvokeComplete;
      }
      return { StatusCode: r.StatusCode, ContentType: r.ResponseStreamContentType ?? null, chunks, complete };
    }
    return { error: { name: "BadTestCall", message: `unknown op ${op}` } };
  } catch (e) {
    return { error: { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode ?? null } };
  }
}

const calls = JSON.parse(readFileSync(0, "utf8"));
const out = [];
for (const c of calls) out.push(await call(c));
process.stdout.write(JSON.stringify(out));
