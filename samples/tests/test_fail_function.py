"""test_fail_function.py — lambdaFail always raises, with its event in the
message (what the failure step of the walkthrough relies on)."""
from tap import done, load_function, raises

fn = load_function("lambdaFail")
raises(lambda: fn.lambda_handler({"reading": 1}, None), fn.SensorRejected, 'lambdaFail always fails (event: {"reading": 1})',
       "lambdaFail raises SensorRejected naming its event")
done()
