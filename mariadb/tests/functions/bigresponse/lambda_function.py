"""bigresponse — answers "aaa..." (a JSON string) with event["n"] letters:
a large response from a small request, for t_packet.sh."""


def lambda_handler(event, context):
    return "a" * int(event["n"])
