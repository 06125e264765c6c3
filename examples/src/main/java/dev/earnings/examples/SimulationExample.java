package dev.earnings.examples;

import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.AsyncRecorder;
import dev.earnings.jdbc.CreatorsOverviewQuery;
import dev.earnings.jdbc.BulkPayoutRequest;
import dev.earnings.jdbc.PayoutRequest;
import dev.earnings.jdbc.BulkPayoutResult;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.CreatorOverview;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.Page;
import dev.earnings.jdbc.Payout;
import dev.earnings.jdbc.PlatformTotals;
import dev.earnings.jdbc.RecordedUse;
import dev.earnings.jdbc.ReportPeriod;
import dev.earnings.jdbc.UsageRequest;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A month of platform traffic: hundreds of models with a popularity curve, thousands of users,
 * recorded through the asynchronous recorder; then a month-end payout run, an HTML report with
 * charts and CSV exports of the usage and the payouts.
 *
 * <p>Everything goes to a fresh directory ({@code earnings-simulation/} by default): the embedded
 * database, {@code report.html} (opens in any browser, no network needed), {@code usage.csv} and
 * {@code payouts.csv}.
 */
public final class SimulationExample {
    private static final String[] TYPES = {"image_generation", "chat", "other"};

    private SimulationExample() {
    }

    /**
     * Runs the simulation: {@code [directory [uses]]}, by default {@code earnings-simulation} and 60,000 uses.
     *
     * @param args optionally the output directory and the number of uses
     */
    public static void main(String[] args) {
        run(Path.of(args.length > 0 ? args[0] : "earnings-simulation"), args.length > 1 ? Integer.parseInt(args[1]) : 60_000,
                Clock.systemUTC(), System.out);
    }

    /**
     * Runs the simulation.
     *
     * @param directory where the database and the outputs go; emptied first
     * @param uses how many uses to simulate
     * @param clock the clock the library runs on; the month ends today
     * @param out where to print progress
     * @return the report's path
     */
    public static Path run(Path directory, int uses, Clock clock, PrintStream out) {
        try {
            deleteRecursively(directory);
            Files.createDirectories(directory);
            Random random = new Random(2026);
            List<String> models = new ArrayList<>();
            try (Earnings earnings = Earnings.builder().embeddedDatabase(directory.resolve("db")).clock(clock).build()) {
                for (int m = 0; m < 300; m++) {
                    String model = "model-" + m;
                    String perUse = new BigDecimal(5 + random.nextInt(40)).movePointLeft(3).toPlainString();
                    String perToken = new BigDecimal(random.nextInt(30)).movePointLeft(6).toPlainString();
                    earnings.models().register(model, "creator-" + m % 80, ModelPricing.of(perUse, perToken));
                    models.add(model);
                }
                List<RecordedUse> recorded = simulate(earnings, models, uses, clock, random, out);
                Caller admin = Caller.admin("simulation");
                BulkPayoutResult payouts = earnings.payouts().payoutAll(admin, BulkPayoutRequest.of("month-end").threshold(2_000));
                PlatformTotals totals = earnings.admin().platformTotals(admin, ReportPeriod.lastDays(30));
                Page<CreatorOverview> creators = earnings.admin().creatorsOverview(admin, CreatorsOverviewQuery.of(ReportPeriod.lastDays(30)).sortedBy(CreatorOverview.Sort.PERIOD_EARNINGS, true).page(0, 10));
                writeUsageCsv(directory.resolve("usage.csv"), recorded);
                writePayoutsCsv(directory.resolve("payouts.csv"), payouts);
                Path report = directory.resolve("report.html");
                Files.writeString(report, Report.html(recorded, totals, creators, payouts, LocalDate.ofInstant(clock.instant(),
                        ZoneOffset.UTC)), StandardCharsets.UTF_8);
                if (!earnings.verifyIntegrity().isClean()) {
                    throw new IllegalStateException("the simulation's totals do not verify");
                }
                out.printf("%,d uses of %d models by %,d users: %s earned; %d creators paid out %s%n", recorded.size(),
                        totals.modelsWithUsage(), recorded.stream().map(RecordedUse::userId).distinct().count(),
                        usd(totals.earnings().amount()), payouts.items().stream().filter(i -> i.payout().isPresent()).count(),
                        usd(payouts.items().stream().flatMap(i -> i.payout().stream()).map(p -> p.amount().amount())
                                .reduce(BigDecimal.ZERO, BigDecimal::add)));
                out.printf("Report:  %s%nExports: %s, %s%n", report.toAbsolutePath(), directory.resolve("usage.csv").toAbsolutePath(),
                        directory.resolve("payouts.csv").toAbsolutePath());
                return report;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<RecordedUse> simulate(Earnings earnings, List<String> models, int uses, Clock clock, Random random,
            PrintStream out) {
        // Popularity follows a Zipf-like curve: model k is picked with weight 1 / (k + 1).
        double[] cumulative = new double[models.size()];
        double sum = 0;
        for (int k = 0; k < models.size(); k++) {
            sum += 1.0 / (k + 1);
            cumulative[k] = sum;
        }
        Instant now = clock.instant();
        // The month is the last 30 UTC days, today included, as the reports count it.
        long month = Duration.between(LocalDate.ofInstant(now, ZoneOffset.UTC).minusDays(29).atStartOfDay(ZoneOffset.UTC)
                .toInstant(), now).getSeconds();
        List<CompletableFuture<RecordedUse>> futures = new ArrayList<>(uses);
        AtomicInteger done = new AtomicInteger();
        int shown = -1;
        try (AsyncRecorder recorder = earnings.asyncRecorder(AsyncRecorder.Options.defaults())) {
            for (int i = 0; i < uses; i++) {
                double pick = random.nextDouble() * sum;
                int k = 0;
                while (cumulative[k] < pick) {
                    k++;
                }
                // Traffic grows through the month: later days get more uses.
                long secondsBack = (long) (month * Math.pow(random.nextDouble(), 1.6));
                String type = TYPES[random.nextInt(10) < 6 ? 0 : random.nextInt(10) < 7 ? 1 : 2];
                UsageRequest request = UsageRequest.builder("user-" + random.nextInt(4_000), models.get(k))
                        .tokensConsumed(type.equals("chat") ? random.nextInt(3_000) : random.nextInt(200))
                        .usageType(type).occurredAt(now.minus(Duration.ofSeconds(secondsBack))).build();
                futures.add(recorder.submit(request).whenComplete((use, failure) -> done.incrementAndGet()));
                int percent = (int) (done.get() * 100L / uses);
                if (percent != shown) {
                    progress(out, done.get(), uses);
                    shown = percent;
                }
            }
        }
        List<RecordedUse> recorded = futures.stream().map(CompletableFuture::join).collect(Collectors.toList());
        progress(out, done.get(), uses);
        out.println();
        return recorded;
    }

    private static void progress(PrintStream out, int done, int total) {
        int width = 40;
        int filled = (int) ((long) done * width / Math.max(1, total));
        out.printf("\rRecording a month of traffic [%s%s] %3d%% %,d/%,d", "#".repeat(filled), ".".repeat(width - filled),
                done * 100L / Math.max(1, total), done, total);
        out.flush();
    }

    private static void writeUsageCsv(Path file, List<RecordedUse> uses) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("event_id,occurred_at,model_id,creator_id,user_id,usage_type,tokens,use_ordinal,tier,tier_multiplier,"
                    + "type_multiplier,earnings,reason\n");
            for (RecordedUse u : uses) {
                w.write(String.join(",", u.eventId(), u.occurredAt().toString(), u.modelId(), u.creatorId(), u.userId(),
                        u.result().usageType().name(), Long.toString(u.result().tokensConsumed()),
                        u.useOrdinal().isPresent() ? Long.toString(u.useOrdinal().getAsLong()) : "",
                        Integer.toString(u.result().tier().index()), u.result().tier().multiplier().toPlainString(),
                        u.result().usageType().multiplier().toPlainString(), u.result().earnings().amount().toPlainString(),
                        u.result().reason().map(Enum::name).orElse("")));
                w.write('\n');
            }
        }
    }

    private static void writePayoutsCsv(Path file, BulkPayoutResult payouts) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("payout_id,creator_id,reference,amount_minor,amount,currency,status,created_at,created_by\n");
            for (BulkPayoutResult.Item item : payouts.items()) {
                if (item.payout().isEmpty()) {
                    continue;
                }
                Payout p = item.payout().get();
                w.write(String.join(",", Long.toString(p.id()), p.creatorId(), p.reference(), Long.toString(p.amountMinor()),
                        p.amount().amount().setScale(2, RoundingMode.UNNECESSARY).toPlainString(),
                        p.amount().currency().getCurrencyCode(), p.status().name(), p.createdAt().toString(), p.createdBy()));
                w.write('\n');
            }
        }
    }

    static String usd(BigDecimal amount) {
        return "$" + amount.setScale(2, RoundingMode.HALF_EVEN).toPlainString();
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (var paths = Files.walk(directory)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(p);
            }
        }
    }

    /** The HTML report: inline SVG charts and plain tables, no scripts and no network. */
    static final class Report {
        private Report() {
        }

        static String html(List<RecordedUse> uses, PlatformTotals totals, Page<CreatorOverview> creators,
                BulkPayoutResult payouts, LocalDate today) {
            Map<LocalDate, BigDecimal> perDay = new TreeMap<>();
            for (LocalDate d = today.minusDays(29); !d.isAfter(today); d = d.plusDays(1)) {
                perDay.put(d, BigDecimal.ZERO);
            }
            Map<String, BigDecimal> perModel = new TreeMap<>();
            Map<Integer, Long> perTier = new TreeMap<>();
            for (RecordedUse u : uses) {
                perDay.merge(LocalDate.ofInstant(u.occurredAt(), ZoneOffset.UTC), u.result().earnings().amount(), BigDecimal::add);
                perModel.merge(u.modelId(), u.result().earnings().amount(), BigDecimal::add);
                perTier.merge(u.result().tier().index(), 1L, Long::sum);
            }
            List<Map.Entry<String, BigDecimal>> top = perModel.entrySet().stream()
                    .sorted(Map.Entry.<String, BigDecimal>comparingByValue().reversed()).limit(10).collect(Collectors.toList());
            StringBuilder h = new StringBuilder();
            h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Earnings simulation report</title>\n")
                    .append("<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2433;max-width:980px}")
                    .append("h1{font-size:1.6rem}h2{font-size:1.15rem;margin-top:2rem}.cards{display:flex;gap:1rem}")
                    .append(".card{border:1px solid #d8dde8;border-radius:8px;padding:.8rem 1.2rem}.card b{display:block;font-size:1.4rem}")
                    .append("table{border-collapse:collapse}td,th{padding:.3rem .8rem;border-bottom:1px solid #e5e8ef;text-align:right}")
                    .append("td:first-child,th:first-child{text-align:left}svg text{font-size:11px;fill:#4a5366}</style></head><body>\n")
                    .append("<h1>A month of platform traffic</h1>\n<div class=\"cards\">")
                    .append(card("Earned in 30 days", usd(totals.earnings().amount())))
                    .append(card("Uses", String.format("%,d", totals.uses())))
                    .append(card("Active models", Long.toString(totals.modelsWithUsage())))
                    .append(card("Creators earning", Long.toString(totals.creatorsWithUsage()))).append("</div>\n")
                    .append("<h2>Earnings per day</h2>\n").append(dailyChart(perDay))
                    .append("<h2>Top models by earnings</h2>\n").append(barChart(top))
                    .append("<h2>Uses by usage tier</h2>\n").append(tierChart(perTier))
                    .append("<h2>Top creators, last 30 days</h2>\n<table><tr><th>creator</th><th>earned</th><th>uses</th>")
                    .append("<th>models</th><th>available</th></tr>\n");
            for (CreatorOverview c : creators.items()) {
                h.append("<tr><td>").append(c.creatorId()).append("</td><td>").append(usd(c.periodEarnings().amount()))
                        .append("</td><td>").append(String.format("%,d", c.periodUses())).append("</td><td>").append(c.models())
                        .append("</td><td>").append(QuickstartExample.usd(c.balance().available().amount())).append("</td></tr>\n");
            }
            long paid = payouts.items().stream().filter(i -> i.payout().isPresent()).count();
            h.append("</table>\n<h2>Month-end payouts</h2>\n<p>").append(paid).append(" creators with at least $20.00 available")
                    .append(" were paid out; the rest carry their balance to next month. See payouts.csv.</p>\n</body></html>\n");
            return h.toString();
        }

        private static String card(String label, String value) {
            return "<div class=\"card\">" + label + "<b>" + value + "</b></div>";
        }

        private static String dailyChart(Map<LocalDate, BigDecimal> perDay) {
            int width = 940;
            int height = 220;
            BigDecimal max = perDay.values().stream().max(BigDecimal::compareTo).filter(m -> m.signum() > 0).orElse(BigDecimal.ONE);
            int n = perDay.size();
            int bar = (width - 60) / n;
            StringBuilder s = new StringBuilder("<svg id=\"daily\" width=\"" + width + "\" height=\"" + (height + 30)
                    + "\" role=\"img\" aria-label=\"earnings per day\">");
            s.append("<text x=\"0\" y=\"12\">").append(usd(max)).append("</text>");
            int i = 0;
            for (Map.Entry<LocalDate, BigDecimal> e : perDay.entrySet()) {
                int h = e.getValue().multiply(BigDecimal.valueOf(height - 20)).divide(max, 0, RoundingMode.HALF_UP).intValue();
                int x = 60 + i * bar;
                s.append("<rect x=\"").append(x).append("\" y=\"").append(height - h).append("\" width=\"").append(bar - 3)
                        .append("\" height=\"").append(h).append("\" fill=\"#3d6fd9\"><title>").append(e.getKey()).append(": ")
                        .append(usd(e.getValue())).append("</title></rect>");
                if (i % 5 == 0) {
                    s.append("<text x=\"").append(x).append("\" y=\"").append(height + 16).append("\">")
                            .append(e.getKey().toString().substring(5)).append("</text>");
                }
                i++;
            }
            return s.append("</svg>\n").toString();
        }

        private static String barChart(List<Map.Entry<String, BigDecimal>> rows) {
            BigDecimal max = rows.isEmpty() ? BigDecimal.ONE : rows.get(0).getValue().max(new BigDecimal("0.000001"));
            StringBuilder s = new StringBuilder("<svg id=\"models\" width=\"940\" height=\"" + (rows.size() * 24 + 10)
                    + "\" role=\"img\" aria-label=\"top models\">");
            for (int i = 0; i < rows.size(); i++) {
                int w = rows.get(i).getValue().multiply(BigDecimal.valueOf(700)).divide(max, 0, RoundingMode.HALF_UP).intValue();
                int y = i * 24;
                s.append("<text x=\"0\" y=\"").append(y + 15).append("\">").append(rows.get(i).getKey()).append("</text>")
                        .append("<rect x=\"110\" y=\"").append(y + 3).append("\" width=\"").append(Math.max(1, w))
                        .append("\" height=\"16\" fill=\"#2f9e75\"></rect><text x=\"").append(118 + w).append("\" y=\"")
                        .append(y + 15).append("\">").append(usd(rows.get(i).getValue())).append("</text>");
            }
            return s.append("</svg>\n").toString();
        }

        private static String tierChart(Map<Integer, Long> perTier) {
            long max = perTier.values().stream().mapToLong(Long::longValue).max().orElse(1);
            StringBuilder s = new StringBuilder("<svg id=\"tiers\" width=\"940\" height=\"" + (perTier.size() * 24 + 10)
                    + "\" role=\"img\" aria-label=\"uses by tier\">");
            int i = 0;
            for (Map.Entry<Integer, Long> e : perTier.entrySet()) {
                int w = (int) (e.getValue() * 700 / max);
                int y = i * 24;
                s.append("<text x=\"0\" y=\"").append(y + 15).append("\">tier ").append(e.getKey()).append("</text>")
                        .append("<rect x=\"110\" y=\"").append(y + 3).append("\" width=\"").append(Math.max(1, w))
                        .append("\" height=\"16\" fill=\"#d98a3d\"></rect><text x=\"").append(118 + w).append("\" y=\"")
                        .append(y + 15).append("\">").append(String.format("%,d uses", e.getValue())).append("</text>");
                i++;
            }
            return s.append("</svg>\n").toString();
        }
    }
}
