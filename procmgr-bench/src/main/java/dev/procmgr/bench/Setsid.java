package dev.procmgr.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The util-linux {@code setsid} prefix the raw columns use for an isolated launch. */
final class Setsid {
    static final String BINARY = find();

    private Setsid() {
    }

    static List<String> prefixed(List<String> argv) {
        List<String> out = new ArrayList<>(argv.size() + 1);
        out.add(BINARY);
        out.addAll(argv);
        return out;
    }

    private static String find() {
        for (String p : List.of("/usr/bin/setsid", "/bin/setsid")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        throw new IllegalStateException("no setsid binary (util-linux) found: the isolated raw columns need it");
    }
}
