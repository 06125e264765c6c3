package dev.earnings.jdbc.internal;

import dev.earnings.core.InvalidInputException;
import dev.earnings.jdbc.AccessDeniedException;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.UnknownModelException;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The access rules, in one place: fail closed, and never let a denial tell a creator whether
 * another creator's data exists. Who is known comes from the owners of the creators and models.
 */
public final class Access {
    private static final String OWN_DATA_ONLY = "a creator may read only their own data";
    private static final String CALLER_REQUIRED = "a caller is required: Caller.creator(id) or Caller.admin(id)";

    private final Ledger ledger;
    private final ModelCatalog catalog;

    /**
     * Creates the rules.
     *
     * @param ledger the creators
     * @param catalog the models
     */
    public Access(Ledger ledger, ModelCatalog catalog) {
        this.ledger = ledger;
        this.catalog = catalog;
    }

    /**
     * Any caller the library knows: an admin, or a creator with a registered model.
     *
     * @param h the handle
     * @param caller the caller
     */
    public void requireKnown(Handle h, Caller caller) {
        if (caller == null) {
            throw new AccessDeniedException(CALLER_REQUIRED);
        }
        if (caller instanceof Caller.Creator && !ledger.creatorExists(h, caller.id())) {
            throw new AccessDeniedException("the caller is not a known creator");
        }
    }

    /**
     * An admin only.
     *
     * @param caller the caller
     */
    public static void requireAdmin(Caller caller) {
        if (caller == null) {
            throw new AccessDeniedException(CALLER_REQUIRED);
        }
        if (!(caller instanceof Caller.Admin)) {
            throw new AccessDeniedException("this call is for admins only");
        }
    }

    /**
     * The caller may read {@code creatorId}'s data: an admin, or that creator.
     *
     * @param h the handle
     * @param caller the caller
     * @param creatorId whose data
     */
    public void requireCreatorData(Handle h, Caller caller, String creatorId) {
        requireKnown(h, caller);
        if (caller instanceof Caller.Creator) {
            if (!caller.id().equals(creatorId)) {
                throw new AccessDeniedException(OWN_DATA_ONLY);
            }
        } else if (!ledger.creatorExists(h, creatorId)) {
            throw new InvalidInputException("creatorId", "creatorId '" + creatorId
                    + "' is not a known creator; allowed: a creator with at least one registered model");
        }
    }

    /**
     * The caller may read the model; returns its creator. A creator asking for a model that is
     * not theirs, or that does not exist, gets the same denial.
     *
     * @param h the handle
     * @param caller the caller
     * @param modelId the model
     * @param creatorOfQuery the creator whose data the query is about, when it names one
     * @return the model's creator
     */
    public String requireModel(Handle h, Caller caller, String modelId, Optional<String> creatorOfQuery) {
        requireKnown(h, caller);
        Optional<String> owner = catalog.creatorOf(h, modelId);
        if (caller instanceof Caller.Creator) {
            if (owner.isEmpty() || !owner.get().equals(caller.id())) {
                throw new AccessDeniedException(OWN_DATA_ONLY);
            }
        } else if (owner.isEmpty()) {
            throw new UnknownModelException(modelId);
        }
        if (creatorOfQuery.isPresent() && !creatorOfQuery.get().equals(owner.get())) {
            throw new InvalidInputException("modelId", "modelId '" + modelId
                    + "' is not a model of creator '" + creatorOfQuery.get() + "'; allowed: one of the creator's models");
        }
        return owner.get();
    }

    /**
     * Every model of a filter is one of {@code creatorId}'s, checked in one statement: a creator
     * naming a model that is not theirs (or does not exist) is denied, as for one model; an admin
     * naming an unknown model is told so, and a model of another creator is refused as not one of
     * the creator's.
     *
     * @param h the handle
     * @param caller the caller, already known to read {@code creatorId}'s data
     * @param modelIds the models, possibly empty
     * @param creatorId the creator whose data the query is about
     */
    public void requireModels(Handle h, Caller caller, java.util.Collection<String> modelIds, String creatorId) {
        if (modelIds.isEmpty()) {
            return;
        }
        java.util.Map<String, String> owners = new java.util.HashMap<>();
        h.createQuery("SELECT model_id, creator_id FROM <t>earnings_models WHERE model_id = ANY(:ids)")
                .bind("ids", ArrayColumns.textArray(modelIds.toArray(new String[0])))
                .map((rs, ctx) -> owners.put(rs.getString(1), rs.getString(2))).list();
        for (String modelId : new java.util.TreeSet<>(modelIds)) {
            String owner = owners.get(modelId);
            if (caller instanceof Caller.Creator) {
                if (owner == null || !owner.equals(caller.id())) {
                    throw new AccessDeniedException(OWN_DATA_ONLY);
                }
            } else if (owner == null) {
                throw new UnknownModelException(modelId);
            }
            if (!owner.equals(creatorId)) {
                throw new InvalidInputException("modelIds", "modelIds holds '" + modelId
                        + "', which is not a model of creator '" + creatorId + "'; allowed: the creator's models");
            }
        }
    }
}
