"""Strict input fields: DRF's CharField turns 123 or true into "123" and "True"; a client
that sends a number where the schema says string gets a 400 (`invalid`) instead."""

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    default_error_messages = {"invalid": "Not a valid string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
