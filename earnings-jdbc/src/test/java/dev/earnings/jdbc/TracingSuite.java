package dev.earnings.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.earnings.core.ModelPricing;
import dev.earnings.core.UnknownUsageTypeException;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.opentelemetry.JdbiOpenTelemetryPlugin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The OpenTelemetry spans, run against each database by a subclass: each call's span by name,
 * its attributes, and JDBI's statement spans as its children, with no user id and no bound value
 * anywhere.
 */
abstract class TracingSuite extends DatabaseSuite {
    static final Instant NOW = Instant.parse("2026-05-04T10:00:00Z");
    static final Caller ADMIN = Caller.admin("admin-1");

    InMemorySpanExporter exporter;
    SdkTracerProvider tracerProvider;
    Earnings traced;

    @Override
    Instant start() {
        return NOW;
    }

    @BeforeEach
    void tracedInstance() {
        exporter = InMemorySpanExporter.create();
        tracerProvider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(tracerProvider).build();
        traced = db.builder().clock(clock).migrateOnStart(false).openTelemetry(sdk).build();
    }

    @AfterEach
    void closeTraced() {
        traced.close();
        tracerProvider.close();
    }

    List<SpanData> named(String name) {
        return exporter.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
    }

    List<SpanData> childrenOf(SpanData parent) {
        return exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getParentSpanId().equals(parent.getSpanId())).toList();
    }

    /** No span names the user or carries a statement's bound values. */
    void assertNoUserValues(String userId) {
        assertThat(exporter.getFinishedSpanItems()).isNotEmpty().allSatisfy(span -> {
            assertThat(span.getAttributes().get(JdbiOpenTelemetryPlugin.BINDING)).isNull();
            span.getAttributes().forEach((key, value) -> assertThat(String.valueOf(value)).doesNotContain(userId));
        });
    }

    String model(String creator) {
        String modelId = "model-" + UUID.randomUUID();
        traced.models().register(modelId, creator, ModelPricing.of("1", "0"));
        return modelId;
    }

    @Test
    void aSingleUse_isAnEarningsRecordSpan_withTheModel_andItsStatementsAsChildren() {
        String model = model("creator-" + UUID.randomUUID());
        exporter.reset();
        String user = "user-" + UUID.randomUUID();
        traced.logModelUsage(user, model, 10, "chat", null);

        List<SpanData> records = named("earnings.record");
        assertThat(records).hasSize(1);
        SpanData record = records.get(0);
        assertThat(record.getParentSpanContext().isValid()).as("a root span").isFalse();
        assertThat(record.getAttributes().get(AttributeKey.stringKey("earnings.model_id"))).isEqualTo(model);
        assertThat(record.getAttributes().get(AttributeKey.longKey("earnings.replayed"))).isZero();
        assertThat(record.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(record.getInstrumentationScopeInfo().getName()).isEqualTo("dev.earnings.jdbc");
        List<SpanData> statements = childrenOf(record);
        assertThat(statements).as("JDBI's statement spans under the call").isNotEmpty().allSatisfy(s -> {
            assertThat(s.getTraceId()).isEqualTo(record.getTraceId());
            assertThat(s.getAttributes().get(JdbiOpenTelemetryPlugin.SQL)).isNotBlank();
        });
        assertThat(statements).anySatisfy(s -> assertThat(s.getAttributes().get(JdbiOpenTelemetryPlugin.SQL))
                .containsIgnoringCase("model_usage_logs"));
        assertNoUserValues(user);
    }

    @Test
    void aBatch_isOneEarningsBatchSpan_withItsCounts() {
        String model = model("creator-" + UUID.randomUUID());
        exporter.reset();
        traced.logModelUsageBatch(List.of(
                UsageRequest.builder("user-a", model).usageType("chat").build(),
                UsageRequest.builder("user-b", model).usageType("chat").build(),
                UsageRequest.builder("user-c", model).usageType("no-such-type").build()));

        assertThat(named("earnings.record")).isEmpty();
        List<SpanData> batches = named("earnings.batch");
        assertThat(batches).hasSize(1);
        SpanData batch = batches.get(0);
        assertThat(batch.getAttributes().get(AttributeKey.longKey("earnings.uses"))).isEqualTo(3);
        assertThat(batch.getAttributes().get(AttributeKey.longKey("earnings.recorded"))).isEqualTo(2);
        assertThat(batch.getAttributes().get(AttributeKey.longKey("earnings.rejected"))).isEqualTo(1);
        assertThat(childrenOf(batch)).isNotEmpty();
        assertNoUserValues("user-a");
    }

    @Test
    void aRejectedUse_failsItsSpan_withTheTypeAndNotTheMessage() {
        String model = model("creator-" + UUID.randomUUID());
        exporter.reset();
        assertThatThrownBy(() -> traced.logModelUsage("user-x", model, 1, "no-such-type", null))
                .isInstanceOf(UnknownUsageTypeException.class);
        SpanData record = named("earnings.record").get(0);
        assertThat(record.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(record.getStatus().getDescription()).isEqualTo("UnknownUsageTypeException");
        assertThat(record.getAttributes().get(AttributeKey.stringKey("error.type")))
                .isEqualTo(UnknownUsageTypeException.class.getName());
        assertThat(record.getEvents()).isEmpty();
    }

    @Test
    void dashboardsAndPayouts_haveSpansOfTheirOwn() {
        String creator = "creator-" + UUID.randomUUID();
        String model = model(creator);
        for (int i = 0; i < 5; i++) {
            traced.logModelUsage("user-" + i, model, 0, "image_generation", null);
        }
        exporter.reset();
        traced.analytics().creatorDashboard(ADMIN, creator, DashboardQuery.of(ReportPeriod.lastDays(30)));
        Payout payout = traced.payouts().create(ADMIN, PayoutRequest.of(creator, 200, "t-1"));
        traced.payouts().complete(ADMIN, payout.id(), null);

        SpanData dashboard = named("earnings.dashboard").get(0);
        assertThat(dashboard.getAttributes().get(AttributeKey.stringKey("earnings.report"))).isEqualTo("creator_dashboard");
        assertThat(childrenOf(dashboard)).isNotEmpty();
        SpanData create = named("earnings.payout.create").get(0);
        assertThat(create.getAttributes().get(AttributeKey.longKey("earnings.payout.amount_minor"))).isEqualTo(200);
        assertThat(childrenOf(create)).anySatisfy(s -> assertThat(s.getAttributes().get(JdbiOpenTelemetryPlugin.SQL))
                .containsIgnoringCase("earnings_transactions"));
        SpanData complete = named("earnings.payout.transition").get(0);
        assertThat(complete.getAttributes().get(AttributeKey.stringKey("earnings.payout.to"))).isEqualTo("completed");
        assertThat(List.of(dashboard, create, complete)).allSatisfy(s ->
                assertThat(s.getParentSpanContext().isValid()).isFalse());
        assertNoUserValues(creator);
    }

    @Test
    void reversalsAndBulkPayouts_haveSpansOfTheirOwn() {
        String creator = "creator-" + UUID.randomUUID();
        String model = model(creator);
        RecordedUse use = traced.logModelUsage("user-r", model, 0, "image_generation", null);
        exporter.reset();
        ReversalRequest refund = ReversalRequest.whole(use.eventId(), "span-" + model, "refund");
        traced.reversals().reverse(ADMIN, refund);
        traced.reversals().reverse(ADMIN, refund);
        String other = "creator-" + UUID.randomUUID();
        traced.logModelUsage("user-b", model(other), 0, "image_generation", null);
        traced.payouts().payoutAll(ADMIN, BulkPayoutRequest.of("bulk-" + model));

        List<SpanData> reversals = named("earnings.reversal");
        assertThat(reversals).extracting(s -> s.getAttributes().get(AttributeKey.longKey("earnings.replayed")))
                .containsExactly(0L, 1L);
        assertThat(childrenOf(reversals.get(0))).anySatisfy(s -> assertThat(s.getAttributes().get(JdbiOpenTelemetryPlugin.SQL))
                .containsIgnoringCase("earnings_reversals"));
        SpanData bulk = named("earnings.payout.bulk").get(0);
        assertThat(bulk.getAttributes().get(AttributeKey.longKey("earnings.created"))).isPositive();
        assertThat(bulk.getAttributes().get(AttributeKey.longKey("earnings.creators")))
                .isGreaterThanOrEqualTo(bulk.getAttributes().get(AttributeKey.longKey("earnings.created")));
        assertNoUserValues(creator);
    }
}
