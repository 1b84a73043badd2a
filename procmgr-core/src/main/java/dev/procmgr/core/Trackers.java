package dev.procmgr.core;

import java.util.ArrayList;
import java.util.List;

/** Builds the launch trackers a manager's options ask for. */
final class Trackers {

    private Trackers() {
    }

    static LaunchTracker start(ManagerOptions options) {
        List<LaunchTracker> all = new ArrayList<>(2);
        // guardian and state file are wired here once they exist (issue 8)
        if (all.isEmpty()) {
            return LaunchTracker.NONE;
        }
        if (all.size() == 1) {
            return all.get(0);
        }
        return new LaunchTracker() {
            @Override
            public void launched(String tag, long pid, boolean groupLeader, List<String> command) {
                all.forEach(t -> t.launched(tag, pid, groupLeader, command));
            }

            @Override
            public void released(long pid) {
                all.forEach(t -> t.released(pid));
            }

            @Override
            public void close() {
                all.forEach(LaunchTracker::close);
            }
        };
    }
}
