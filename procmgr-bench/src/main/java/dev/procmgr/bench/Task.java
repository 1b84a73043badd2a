package dev.procmgr.bench;

import java.util.Map;

/**
 * One piece of work for a worker JVM: a scenario with its settings.
 *
 * @param scenario spawn.seq, spawn.par2, spawn.pipe, spawn.seqdefault, exit, live, stopkill, output
 * @param session isolated (true) or plain launch, where the scenario has both
 * @param params runs, reps, capMs, n, timeoutMs, mb
 */
record Task(String scenario, boolean session, Map<String, Long> params) {

    Task {
        params = Map.copyOf(params);
    }

    long param(String name) {
        Long v = params.get(name);
        if (v == null) {
            throw new IllegalArgumentException("task " + scenario + " lacks parameter " + name);
        }
        return v;
    }

    /** For progress lines: scenario, live's n, variant. */
    String label() {
        return scenario + (scenario.equals("live") ? " n=" + params.get("n") : "") + "/" + variant();
    }

    /** The metric key suffix for the launch variant. */
    String variant() {
        return session ? "iso" : "plain";
    }
}
