/**
 * The storage layer behind the public API: one owner per table (models and pricing, usage and
 * rollups, the ledger, settings), the one write path, the rate limits it passes first, group
 * commit, the transaction runner that is the one place that retries, and the reports; and the
 * webhooks' signature and body, which their sender and verifier share. Not API: anything here may
 * change in any release.
 */
@NullMarked
package dev.earnings.jdbc.internal;

import org.jspecify.annotations.NullMarked;
