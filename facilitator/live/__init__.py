"""The live layer: Socket.IO's rooms and handlers, the coalescing pushes to phones and screens,
and the bus that carries a change to every app process. It announces what services decided;
it never writes."""
