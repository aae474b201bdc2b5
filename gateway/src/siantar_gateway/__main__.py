"""`python -m siantar_gateway`: serve the development gateway (GATEWAY_HOST:GATEWAY_PORT, 127.0.0.1:8000)."""

from siantar_gateway.main import main

main()
