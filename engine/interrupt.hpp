// engine/interrupt.hpp: a request to stop every search at its next step, from a signal handler
// or another thread. A search that stops so ends `incomplete` ("interrupted"), with what it
// covered and the violation it found, if any: never a verdict it did not earn.
#pragma once

namespace rw::engine {

void request_stop();     // async-signal-safe
bool stop_requested();
void clear_stop_request();

}  // namespace rw::engine
