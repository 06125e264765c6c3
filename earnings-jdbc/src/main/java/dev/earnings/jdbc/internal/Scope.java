package dev.earnings.jdbc.internal;

import dev.earnings.jdbc.Caller;
import org.jspecify.annotations.Nullable;

/**
 * Whose rows a transaction may see. On PostgreSQL the {@link Transactor} names it at the start of
 * every transaction in two transaction-local settings, which the row-level security policies of
 * migration V5 read; H2 has no such policies, and the {@link Access} rules alone decide there.
 *
 * <p>The scope comes from the call, never from the data: a report takes its {@link Caller}'s, a
 * trusted call of the host's backend (recording, the registry, the integrity check) and the
 * library's own start-up work take {@link #SERVICE}. A transaction without a scope sees no row,
 * so a unit that forgot to name one fails closed.
 */
public final class Scope {
    /** The setting that holds the kind: {@code creator}, {@code admin} or {@code service}. */
    public static final String KIND_SETTING = "earnings.caller_kind";
    /** The setting that holds the creator's id, empty for the other kinds. */
    public static final String CREATOR_SETTING = "earnings.creator_id";

    /** The library's trusted work: every row, and the deployment's settings. */
    public static final Scope SERVICE = new Scope("service", "");
    /** An admin's call: every row of creator data, not the settings. */
    public static final Scope ADMIN = new Scope("admin", "");
    /** No caller: no row. The access rules deny such a call before it reads anything. */
    public static final Scope NOBODY = new Scope("", "");

    private final String kind;
    private final String creatorId;

    private Scope(String kind, String creatorId) {
        this.kind = kind;
        this.creatorId = creatorId;
    }

    /**
     * The scope of a caller: an admin's, a creator's own rows, or none.
     *
     * @param caller the caller, or {@code null}
     * @return the scope
     */
    public static Scope of(@Nullable Caller caller) {
        if (caller instanceof Caller.Admin) {
            return ADMIN;
        }
        if (caller instanceof Caller.Creator) {
            return new Scope("creator", caller.id());
        }
        return NOBODY;
    }

    /**
     * The value of {@link #KIND_SETTING}.
     *
     * @return the kind, empty for {@link #NOBODY}
     */
    public String kind() {
        return kind;
    }

    /**
     * The value of {@link #CREATOR_SETTING}.
     *
     * @return the creator's id, empty unless the scope is a creator's
     */
    public String creatorId() {
        return creatorId;
    }

    @Override
    public String toString() {
        return kind.isEmpty() ? "nobody" : kind.equals("creator") ? "creator '" + creatorId + "'" : kind;
    }
}
