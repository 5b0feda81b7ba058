#pragma once
// SIGINT/SIGTERM are taken synchronously by the main thread: block them first thing in main(), before any
// thread starts (threads inherit the mask), then WaitForTerminationSignal() where the process should sit until
// asked to stop. SIGPIPE is ignored: a peer closing a socket is an error value, not a process exit.

namespace common {

void BlockTerminationSignals();
// Blocks until SIGINT or SIGTERM arrives; returns its number.
int WaitForTerminationSignal();

}  // namespace common
