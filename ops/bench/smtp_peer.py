"""The peer of the newsletter's delivery benchmark: Python's smtplib sends N
multipart/alternative messages of the given size to the sink, one SMTP conversation
each (as the Hub's sender does), and prints messages per second.

    python3 ops/bench/smtp_peer.py PORT N HTML_FILE TEXT_FILE
"""
import smtplib
import sys
import time
from email.message import EmailMessage

port, n = int(sys.argv[1]), int(sys.argv[2])
html = open(sys.argv[3], encoding="utf-8").read()
text = open(sys.argv[4], encoding="utf-8").read()
start = time.monotonic()
for i in range(n):
    m = EmailMessage()
    m["From"] = "Netzwerk Hub <netzwerk-hub@localhost>"
    m["To"] = f"leser{i:05d}@verteiler.example"
    m["Subject"] = "Newsletter"
    m["List-Unsubscribe"] = f"<https://hub.example/newsletter/unsubscribe?token={i}>"
    m.set_content(text)
    m.add_alternative(html, subtype="html")
    with smtplib.SMTP("127.0.0.1", port) as s:
        s.send_message(m)
took = time.monotonic() - start
print(f"{n / took:.0f}")
