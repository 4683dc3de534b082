"""QR transport: compact encoding, multi-frame sequences, rendering and decoding images."""
