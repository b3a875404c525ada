import os
import uuid
from datetime import datetime

from django.core.mail.backends.filebased import EmailBackend


class EmlFileBackend(EmailBackend):
    """Write every message to a file of its own, named *.eml, that a mail client opens.

    Django's file backend appends all the messages of a connection to one .log file;
    a person reading the outbox (or a test reading a verification link) wants one message
    per file in the standard format.
    """

    def _get_filename(self):
        if self._fname is None:
            # Sortable by time, unique by the process and a random part: the web process and
            # the worker's processes write into one folder, within the same second. The file
            # is created exclusively (send_messages), so a clash fails instead of merging.
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            name = f"{stamp}-{os.getpid()}-{uuid.uuid4().hex[:12]}.eml"
            self._fname = os.path.join(self.file_path, name)
        return self._fname

    def open(self):
        # Each message opens its own file (send_messages): an opened connection that sends
        # nothing leaves no empty file behind.
        return False

    def write_message(self, message):
        self.stream.write(message.message().as_bytes())

    def send_messages(self, email_messages):
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            self._fname = None
            final = self._get_filename()
            # Written under a name no reader globs (*.eml), then renamed: a process killed in
            # the middle leaves a .part file, never an empty or half-written message.
            partial = f"{final}.part"
            with self._lock:
                with open(partial, "xb") as self.stream:
                    self.write_message(message)
                os.rename(partial, final)
            self.stream = None
            sent += 1
        return sent
