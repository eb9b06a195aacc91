#include "hub/runtime/instance.h"

#include "hub/runtime/instance_backend.h"

namespace hub::runtime {

std::string_view InstanceStateName(InstanceState state) {
  switch (state) {
    case InstanceState::kStarting:
      return "STARTING";
    case InstanceState::kReady:
      return "READY";
    case InstanceState::kBusy:
      return "BUSY";
    case InstanceState::kStopping:
      return "STOPPING";
  }
  return "UNKNOWN";
}

std::optional<InstanceState> ParseInstanceState(std::string_view name) {
  for (InstanceState s : {InstanceState::kStarting, InstanceState::kReady, InstanceState::kBusy,
                          InstanceState::kStopping}) {
    if (InstanceStateName(s) == name) {
      return s;
    }
  }
  return std::nullopt;
}

std::string_view StopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::kIdle:
      return "IDLE";
    case StopReason::kAdmin:
      return "ADMIN";
    case StopReason::kShutdown:
      return "SHUTDOWN";
    case StopReason::kEvicted:
      return "EVICTED";
    case StopReason::kStartFailed:
      return "START_FAILED";
    case StopReason::kStartTimeout:
      return "START_TIMEOUT";
    case StopReason::kCrashed:
      return "CRASHED";
    case StopReason::kKilledForMemory:
      return "KILLED_FOR_MEMORY";
    case StopReason::kRunTimeout:
      return "RUN_TIMEOUT";
    case StopReason::kUnhealthy:
      return "UNHEALTHY";
    case StopReason::kLost:
      return "LOST";
    case StopReason::kNodeScaleDown:
      return "NODE_SCALE_DOWN";
  }
  return "UNKNOWN";
}

std::string_view InstanceEventKindName(InstanceEventKind kind) {
  switch (kind) {
    case InstanceEventKind::kStarting:
      return "STARTING";
    case InstanceEventKind::kReady:
      return "READY";
    case InstanceEventKind::kAdopted:
      return "ADOPTED";
    case InstanceEventKind::kStopped:
      return "STOPPED";
    case InstanceEventKind::kCrashed:
      return "CRASHED";
    case InstanceEventKind::kKilledForMemory:
      return "KILLED_FOR_MEMORY";
    case InstanceEventKind::kStartFailed:
      return "START_FAILED";
  }
  return "UNKNOWN";
}

InstanceEventKind TerminalEventFor(StopReason reason) {
  switch (reason) {
    case StopReason::kStartFailed:
    case StopReason::kStartTimeout:
      return InstanceEventKind::kStartFailed;
    case StopReason::kCrashed:
    case StopReason::kUnhealthy:
    case StopReason::kLost:
      return InstanceEventKind::kCrashed;
    case StopReason::kKilledForMemory:
      return InstanceEventKind::kKilledForMemory;
    default:
      return InstanceEventKind::kStopped;
  }
}

std::string_view ExitCauseName(ExitCause cause) {
  switch (cause) {
    case ExitCause::kNone:
      return "NONE";
    case ExitCause::kStopped:
      return "STOPPED";
    case ExitCause::kStartFailed:
      return "START_FAILED";
    case ExitCause::kCrashed:
      return "CRASHED";
    case ExitCause::kOutOfMemory:
      return "OOM_KILLED";
    case ExitCause::kLost:
      return "LOST";
  }
  return "UNKNOWN";
}

}  // namespace hub::runtime
