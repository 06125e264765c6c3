/**
 * Recording uses exactly once, and everything read from what was recorded: the {@link
 * dev.earnings.jdbc.Earnings} entry point, the model registry, creator analytics, admin views and
 * payouts, on embedded H2 or PostgreSQL.
 *
 * <p>Every parameter and return value is non-null unless it is marked {@code @Nullable};
 * absence is expressed with {@link java.util.Optional}.
 */
@NullMarked
package dev.earnings.jdbc;

import org.jspecify.annotations.NullMarked;
