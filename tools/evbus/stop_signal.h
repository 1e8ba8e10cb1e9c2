// SIGINT/SIGTERM as a stop request for the CLI's long-running loops
// (inspect --watch, demo): the handler only sets a flag; sleeps end early.
//
// Thread safety: install once from the main thread; the rest from any thread.
#ifndef EVBUS_TOOLS_EVBUS_STOP_SIGNAL_H_
#define EVBUS_TOOLS_EVBUS_STOP_SIGNAL_H_

namespace evbus::cli {

// Routes SIGINT and SIGTERM to the stop flag (without SA_RESTART, so a
// blocking call in progress returns EINTR).
void InstallStopHandlers();
// Restores the default dispositions (in a child before exec).
void ResetStopHandlers();
bool StopRequested();
// Sleeps `seconds` unless a stop is requested first; false when stopped.
bool SleepUnlessStopped(double seconds);

}  // namespace evbus::cli

#endif  // EVBUS_TOOLS_EVBUS_STOP_SIGNAL_H_
