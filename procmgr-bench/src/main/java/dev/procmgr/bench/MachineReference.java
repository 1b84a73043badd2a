package dev.procmgr.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * What this machine does without any JVM in the way, measured with {@code /bin/sh} before the
 * run: how fast it forks and execs, and how long it takes to end N {@code sleep} processes. The
 * same VM's speed at both has differed fourfold between days; these lines let a reader compare
 * runs, and the fixed targets, by the machine as well as by the ratios.
 *
 * @param launchSpeed the shell's fork/exec/wait rate, as a line for the report
 * @param stopFloor the shell's TERM-and-wait of N sleep processes, as a line; null when not measured
 * @param stopFloorSeconds the time of that stop, NaN when not measured or failed
 */
record MachineReference(String launchSpeed, String stopFloor, double stopFloorSeconds) {

    /** Measures both; the stop floor only when {@code stopN} is positive. */
    static MachineReference measure(int launches, int stopN) {
        String launch = shellSpawnRate(launches);
        if (stopN <= 0) {
            return new MachineReference(launch, null, Double.NaN);
        }
        Floor floor = stopFloor(stopN);
        return new MachineReference(launch, floor.line(), floor.seconds());
    }

    /** A stop floor as a report line, and its time (NaN when it failed). */
    record Floor(String line, double seconds) {
        static Floor failed(String why) {
            return new Floor("? (" + why + ")", Double.NaN);
        }
    }

    /** {@code /bin/sh} running {@code /bin/true} {@code n} times in a loop, best of three. */
    static String shellSpawnRate(int n) {
        double best = 0;
        try {
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                Process p = new ProcessBuilder(Scenarios.SH, "-c", "i=0; while [ $i -lt " + n + " ]; do " + Scenarios.TRUE
                        + "; i=$((i+1)); done").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor() != 0) {
                    return "? (the shell loop failed)";
                }
                best = Math.max(best, n / ((System.nanoTime() - t0) / 1e9));
            }
        } catch (IOException e) {
            return "? (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "? (interrupted)";
        }
        return String.format(Locale.ROOT, "/bin/sh runs /bin/true %,.0f times/s (fork, exec and wait; best of 3 loops of %d)", best, n);
    }

    /**
     * {@code /bin/sh} starts {@code n} {@code sleep}, then, on our word, sends TERM to them all in
     * one {@code kill} and waits for them: the stop-all that no library can beat on this machine.
     * Also how busy the machine's CPUs were meanwhile (/proc/stat), which says whether the exits
     * themselves fill the cores (then whatever a JVM adds on top lengthens the stop).
     */
    static Floor stopFloor(int n) {
        String script = "i=0; pids=; while [ $i -lt " + n + " ]; do " + Scenarios.SLEEP + " 600 & pids=\"$pids $!\"; i=$((i+1)); done;"
                + " echo ready; read go; kill -TERM $pids; wait; echo done";
        Process sh = null;
        try {
            sh = new ProcessBuilder(Scenarios.SH, "-c", script).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(sh.getInputStream(), StandardCharsets.UTF_8));
            if (!"ready".equals(out.readLine())) {
                return Floor.failed("the shell did not start its sleep processes");
            }
            Thread.sleep(1000); // let the machine settle after the starts
            long[] cpu0 = cpuTicks();
            long t0 = System.nanoTime();
            Writer in = new OutputStreamWriter(sh.getOutputStream(), StandardCharsets.UTF_8);
            in.write("go\n");
            in.flush();
            String done = out.readLine();
            long took = System.nanoTime() - t0;
            long[] cpu1 = cpuTicks();
            if (!"done".equals(done)) {
                return Floor.failed("the shell's kill and wait failed");
            }
            double ticksPerSecond = 100; // USER_HZ, 100 on Linux
            return new Floor(String.format(Locale.ROOT, "/bin/sh sends TERM to %,d sleep in one kill and waits for them in %.2f s;"
                    + " the CPUs were busy %.2f core-s of the %.2f there were", n, took / 1e9, (cpu1[0] - cpu0[0]) / ticksPerSecond,
                    (cpu1[0] - cpu0[0] + cpu1[1] - cpu0[1]) / ticksPerSecond), took / 1e9);
        } catch (IOException | RuntimeException e) {
            return Floor.failed(e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Floor.failed("interrupted");
        } finally {
            if (sh != null) {
                sh.descendants().forEach(ProcessHandle::destroyForcibly);
                sh.destroyForcibly();
                try {
                    sh.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Busy and idle jiffies of all CPUs together, from the first line of /proc/stat. */
    private static long[] cpuTicks() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        // cpu user nice system idle iowait irq softirq steal ...
        long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                + Long.parseLong(f[7]) + (f.length > 8 ? Long.parseLong(f[8]) : 0);
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new long[] {busy, idle};
    }
}
