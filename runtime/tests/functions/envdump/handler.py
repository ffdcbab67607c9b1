"""envdump — test function: returns its whole environment."""
import os


def main(event, context):
    return dict(os.environ)
