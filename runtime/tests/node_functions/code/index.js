// runtime/tests/node_functions/code/index.js — the CommonJS handlers
// t_node.py runs through aws-lambda-ric (one export per case).
"use strict";

class OrderRejected extends Error {
  constructor(msg) {
    super(msg);
    this.name = "OrderRejected";
  }
}

// async handler: the event back, the context fields, the environment Lambda sets
exports.handler = async (event, context) => ({
  event,
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  memoryLimitInMB: context.memoryLimitInMB,
  awsRequestId: context.awsRequestId,
  invokedFunctionArn: context.invokedFunctionArn,
  remaining: context.getRemainingTimeInMillis(),
  node: process.version,
  env: {
    AWS_LAMBDA_FUNCTION_NAME: process.env.AWS_LAMBDA_FUNCTION_NAME,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    AWS_EXECUTION_ENV: process.env.AWS_EXECUTION_ENV,
    LAMBDA_TASK_ROOT: process.env.LAMBDA_TASK_ROOT,
    _HANDLER: process.env._HANDLER,
    AWS_REGION: process.env.AWS_REGION,
  },
});

// callback style: an answer, or an error through the callback
exports.callback = (event, context, callback) => {
  console.log("callback handler ran");
  if (event.fail) callback(new OrderRejected("rejected by callback"));
  else setTimeout(() => callback(null, { via: "callback", n: event.n }), 10);
};

exports.thrower = async () => {
  console.log("about to throw");
  throw new OrderRejected("order 42 rejected");
};

exports.sleeper = async (event) => {
  await new Promise((r) => setTimeout(r, (event.seconds ?? 30) * 1000));
  return "woke";
};

exports.crasher = async () => {
  console.log("exiting with 3");
  process.exit(3);
};

// awslambda is the RIC's global: chunks as they are written, own Content-Type
exports.streamer = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.setContentType("text/plain");
  for (let i = 0; i < (event.n || 3); i++) {
    responseStream.write(`chunk ${i}\n`);
    await new Promise((r) => setTimeout(r, 5));
  }
  if (event.fail) throw new OrderRejected("failed mid-stream");
  responseStream.end();
});
