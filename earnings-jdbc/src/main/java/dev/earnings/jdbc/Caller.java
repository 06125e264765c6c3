package dev.earnings.jdbc;

import dev.earnings.core.internal.Checks;

/**
 * Who is asking: every analytics, admin and payout call takes one, and the library decides what it
 * may see.
 *
 * <p>A creator reads only their own data; an admin reads and manages everything. The host
 * authenticates its users and maps them to a caller; the library fails closed: a {@code null}
 * caller, or a creator the library has never seen, is denied.
 */
public sealed interface Caller permits Caller.Creator, Caller.Admin {

    /**
     * The caller's id, recorded as the actor of every change it makes.
     *
     * @return the creator's or the admin's id
     */
    String id();

    /**
     * A creator, who may read their own analytics and models.
     *
     * @param creatorId the creator's id, as models are registered with
     * @return the caller
     */
    static Caller creator(String creatorId) {
        return new Creator(creatorId);
    }

    /**
     * An admin, who may read everything and manage payouts.
     *
     * @param adminId the admin's id, recorded on every payout change
     * @return the caller
     */
    static Caller admin(String adminId) {
        return new Admin(adminId);
    }

    /**
     * A creator.
     *
     * @param id the creator's id
     */
    record Creator(String id) implements Caller {
        /**
         * Checks the id.
         *
         * @param id the creator's id
         */
        public Creator {
            Checks.requireId("callerId", id);
        }
    }

    /**
     * An admin.
     *
     * @param id the admin's id
     */
    record Admin(String id) implements Caller {
        /**
         * Checks the id.
         *
         * @param id the admin's id
         */
        public Admin {
            Checks.requireId("callerId", id);
        }
    }
}
