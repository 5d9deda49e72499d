"""The function's code until the pipeline's first release replaces it (like an ECS service's bootstrap image):
version 1, which the `live` alias points at when the stack is first applied. It answers every event with a note
that nothing has been released yet."""


def handler(event, context):
    return {"statusCode": 503, "body": "no release deployed yet"}
