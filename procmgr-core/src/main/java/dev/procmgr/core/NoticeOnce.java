package dev.procmgr.core;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.LoggerFactory;

/** Logs a fact about the platform once per manager, not once per process. */
final class NoticeOnce {
    private final Set<String> said = ConcurrentHashMap.newKeySet();

    void warn(String key, String message) {
        if (said.add(key)) {
            LoggerFactory.getLogger(NoticeOnce.class).warn(message);
        }
    }
}
