package dev.earnings.jdbc.internal;

import dev.earnings.jdbc.AccessDeniedException;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.UnknownModelException;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The access rules, in one place: fail closed, and never let a denial tell a creator whether
 * another creator's data exists.
 */
final class Access {
    private static final String OWN_DATA_ONLY = "a creator may read only their own data";

    private final Tables t;

    Access(Tables tables) {
        this.t = tables;
    }

    /** Any caller the library knows: an admin, or a creator with a registered model. */
    void requireKnown(Handle h, Caller caller) {
        if (caller == null) {
            throw new AccessDeniedException("a caller is required: Caller.creator(id) or Caller.admin(id)");
        }
        if (caller instanceof Caller.Creator && !creatorExists(h, caller.id())) {
            throw new AccessDeniedException("the caller is not a known creator");
        }
    }

    /** An admin only. */
    void requireAdmin(Caller caller) {
        if (caller == null) {
            throw new AccessDeniedException("a caller is required: Caller.creator(id) or Caller.admin(id)");
        }
        if (!(caller instanceof Caller.Admin)) {
            throw new AccessDeniedException("this call is for admins only");
        }
    }

    /** The caller may read {@code creatorId}'s data: an admin, or that creator. */
    void requireCreatorData(Handle h, Caller caller, String creatorId) {
        requireKnown(h, caller);
        if (caller instanceof Caller.Creator) {
            if (!caller.id().equals(creatorId)) {
                throw new AccessDeniedException(OWN_DATA_ONLY);
            }
        } else if (!creatorExists(h, creatorId)) {
            throw new dev.earnings.core.InvalidInputException("creatorId", "creatorId '" + creatorId
                    + "' is not a known creator; allowed: a creator with at least one registered model");
        }
    }

    /**
     * The caller may read the model; returns its creator. A creator asking for a model that is
     * not theirs, or that does not exist, gets the same denial.
     */
    String requireModel(Handle h, Caller caller, String modelId, Optional<String> creatorOfQuery) {
        requireKnown(h, caller);
        Optional<String> owner = h.createQuery(t.sql("SELECT creator_id FROM {t}earnings_models WHERE model_id = ?"))
                .bind(0, modelId).mapTo(String.class).findOne();
        if (caller instanceof Caller.Creator) {
            if (owner.isEmpty() || !owner.get().equals(caller.id())) {
                throw new AccessDeniedException(OWN_DATA_ONLY);
            }
        } else if (owner.isEmpty()) {
            throw new UnknownModelException(modelId);
        }
        if (creatorOfQuery.isPresent() && !creatorOfQuery.get().equals(owner.get())) {
            throw new dev.earnings.core.InvalidInputException("modelId", "modelId '" + modelId
                    + "' is not a model of creator '" + creatorOfQuery.get() + "'; allowed: one of the creator's models");
        }
        return owner.get();
    }

    boolean creatorExists(Handle h, String creatorId) {
        return h.createQuery(t.sql("SELECT 1 FROM {t}earnings_creators WHERE creator_id = ?"))
                .bind(0, creatorId).mapTo(Integer.class).findOne().isPresent();
    }
}
