//! Sans-IO server state machines. They take datagrams and `now` in and hand out datagrams to
//! send and events to record; the driver owns the sockets. Invariant: no server here reads a
//! clock or touches a socket.

pub mod echo;
pub mod http;
pub mod protocols;
pub mod time;
