package dev.procmgr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/** Test helpers: run the CLI in this JVM or in another one, wait for states, check for leftovers. */
final class Cli {
    static final ObjectMapper JSON = new ObjectMapper();

    private Cli() {
    }

    /** What one command line printed and returned. */
    record Result(int code, String out, String err) {
        Result ok() {
            assertThat(code).as("exit code of a command; out=%s err=%s", out, err).isZero();
            return this;
        }
    }

    /** Runs a command line in this JVM, as {@code main} would minus {@code System.exit}. */
    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, Map.of(), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    /** The same with {@code --socket} appended before any {@code --}. */
    static Result at(Path socket, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        int dd = a.indexOf("--");
        a.add(dd < 0 ? a.size() : dd, "--socket");
        a.add(dd < 0 ? a.size() : dd + 1, socket.toString());
        return run(a.toArray(String[]::new));
    }

    /** {@code status --json} as a tree. */
    static JsonNode status(Path socket) {
        Result r = at(socket, "status", "--json").ok();
        try {
            return JSON.readTree(r.out());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode program(Path socket, String tag) {
        for (JsonNode p : status(socket)) {
            if (p.path("tag").asText().equals(tag)) {
                return p;
            }
        }
        return null;
    }

    static void await(String what, BooleanSupplier condition) {
        await(what, Duration.ofSeconds(30), condition);
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for: " + what);
            }
        }
    }

    /** A process builder for {@code java -cp <this classpath> dev.procmgr.cli.Main args...}. */
    static ProcessBuilder java(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xshare:auto");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("PROCMGR_SOCKET");
        return pb;
    }

    /** Waits until this JVM has no child processes left (a guardian may take a moment to exit). */
    static void assertNoDescendants() {
        try {
            await("no processes left behind", Duration.ofSeconds(20), () -> ProcessHandle.current().descendants().findAny().isEmpty());
        } catch (AssertionError e) {
            String left = ProcessHandle.current().descendants()
                    .map(h -> h.pid() + " " + h.info().commandLine().orElse("?")).collect(Collectors.joining("\n"));
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
            throw new AssertionError("processes left behind:\n" + left);
        }
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
