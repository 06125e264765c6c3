/**
 * Kafka in front of the library, for hosts whose instances must keep accepting uses while the
 * database is slow or down: {@link dev.earnings.kafka.KafkaUsagePublisher} publishes each use
 * with its eventId, keyed by model so that a model's uses stay in order, and
 * {@link dev.earnings.kafka.KafkaUsageConsumer} records them in batches through
 * {@code Earnings.logModelUsageBatch}, committing offsets only after the database has committed.
 * Kafka delivers at least once; the eventId, permanent in the library, makes every use recorded
 * exactly once.
 */
@NullMarked
package dev.earnings.kafka;

import org.jspecify.annotations.NullMarked;
