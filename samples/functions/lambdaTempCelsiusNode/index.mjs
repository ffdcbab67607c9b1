// lambdaTempCelsiusNode — the Node.js sample (nodejs20.x, run by sqlambda
// serve through AWS's Runtime Interface Client): a Lambda written for
// Redshift's Lambda UDFs, as aws_lambda.invoke_batch calls it. Each row of
// "arguments" is [fahrenheit]; each result the temperature in Celsius to one
// decimal (null for null). A row that is not a number fails the whole batch
// with "success": false, as Redshift's protocol has it.
export const handler = async (event) => {
  const results = [];
  for (const [i, row] of event.arguments.entries()) {
    const f = row?.[0] ?? null;
    if (f === null) results.push(null);
    else if (typeof f === "number") results.push(Math.round(((f - 32) * 5) / 9 * 10) / 10);
    else return { success: false, error_msg: `row ${i + 1}: temperature ${JSON.stringify(f)} is not a number` };
  }
  return { success: true, num_records: results.length, results };
};
