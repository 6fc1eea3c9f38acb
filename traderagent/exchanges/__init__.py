"""Exchange adapters. Every venue implements `ports.Exchange`."""
