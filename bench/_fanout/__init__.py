"""Helpers of ``bench/fanout.py``: a cheap WebSocket viewer, load-generator processes, senders, the
bare ``websockets.broadcast`` baseline server, gateway process control and the statistics.

Everything on the client side is written to cost as little CPU as possible, because the load generators
share a small machine with the gateway they measure.
"""
