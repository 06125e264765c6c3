package dev.earnings.jdbc;

import dev.earnings.core.EarningsException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the library itself says about a failure: the messages of its own exceptions in a chain
 * (with their suppressed ones), not those of the driver's or the pool's exceptions it carries as
 * causes, which the library does not write and cannot redact.
 */
final class LibraryMessages {
    private LibraryMessages() {
    }

    /** Each library exception of the chain, as {@code toString()} shows it: its type and message. */
    static List<String> of(Throwable failure) {
        List<String> messages = new ArrayList<>();
        collect(failure, messages, new IdentityHashMap<>());
        return messages;
    }

    /** Every message of the chain and of the suppressed exceptions in it, the driver's included. */
    static String wholeChain(Throwable failure) {
        StringBuilder all = new StringBuilder();
        appendAll(failure, all, new IdentityHashMap<>());
        return all.toString();
    }

    private static void appendAll(Throwable t, StringBuilder all, Map<Throwable, Boolean> seen) {
        if (t == null || seen.put(t, Boolean.TRUE) != null) {
            return;
        }
        all.append(t).append('\n');
        for (Throwable suppressed : t.getSuppressed()) {
            appendAll(suppressed, all, seen);
        }
        appendAll(t.getCause(), all, seen);
    }

    private static void collect(Throwable t, List<String> messages, Map<Throwable, Boolean> seen) {
        if (t == null || seen.put(t, Boolean.TRUE) != null) {
            return;
        }
        if (t instanceof EarningsException) {
            messages.add(t.toString());
        }
        for (Throwable suppressed : t.getSuppressed()) {
            collect(suppressed, messages, seen);
        }
        collect(t.getCause(), messages, seen);
    }
}
