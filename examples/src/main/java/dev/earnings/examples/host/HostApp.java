package dev.earnings.examples.host;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.earnings.core.EarningsException;
import dev.earnings.core.InvalidInputException;
import dev.earnings.core.ModelPricing;
import dev.earnings.jdbc.AccessDeniedException;
import dev.earnings.jdbc.CreatorsOverviewQuery;
import dev.earnings.jdbc.BulkPayoutRequest;
import dev.earnings.jdbc.PayoutRequest;
import dev.earnings.jdbc.Balance;
import dev.earnings.jdbc.BulkPayoutResult;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.CreatorDashboard;
import dev.earnings.jdbc.CreatorOverview;
import dev.earnings.jdbc.DashboardQuery;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.IdempotencyConflictException;
import dev.earnings.jdbc.IllegalPayoutTransitionException;
import dev.earnings.jdbc.InsufficientFundsException;
import dev.earnings.jdbc.Model;
import dev.earnings.jdbc.Page;
import dev.earnings.jdbc.Payout;
import dev.earnings.jdbc.PlatformTotals;
import dev.earnings.jdbc.RecordedUse;
import dev.earnings.jdbc.ReportPeriod;
import dev.earnings.jdbc.StorageException;
import dev.earnings.jdbc.UnknownModelException;
import dev.earnings.jdbc.UsageRequest;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An example host application: the tracking and analytics endpoints over HTTP, and a web
 * dashboard, with nothing but the JDK's HTTP server.
 *
 * <p>Users sign in with a bearer token; the demo tokens are printed at start. The tracking
 * endpoint records a use for the signed-in user; creators read their own analytics; admins read
 * everyone's and manage payouts. Run it with the README's command and open the printed URL.
 */
public final class HostApp implements AutoCloseable {
    /** Demo sign-ins: token to principal. A real host would verify a session or a JWT here. */
    static final Map<String, Principal> DEMO_TOKENS = Map.of(
            "demo-user", new Principal("user-42", Role.USER),
            "demo-ada", new Principal("ada", Role.CREATOR),
            "demo-lin", new Principal("lin", Role.CREATOR),
            "demo-admin", new Principal("admin-1", Role.ADMIN));
    private static final int MAX_BODY = 64 * 1024;

    private final Earnings earnings;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(8);
    private final ObjectMapper json = new ObjectMapper();

    enum Role { USER, CREATOR, ADMIN }

    record Principal(String id, Role role) {
        Caller caller() {
            return role == Role.ADMIN ? Caller.admin(id) : Caller.creator(id);
        }
    }

    /** An error answered to the client: status, the field at fault and a message. */
    static final class HttpError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;
        final String field;

        HttpError(int status, String field, String message) {
            super(message);
            this.status = status;
            this.field = field;
        }
    }

    private HostApp(Earnings earnings, int port) throws IOException {
        this.earnings = earnings;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.setExecutor(executor);
        server.createContext("/api/track-model-usage", exchange -> handle(exchange, "POST", this::track));
        server.createContext("/api/creator-analytics", exchange -> handle(exchange, "GET", this::creatorAnalytics));
        server.createContext("/api/admin/totals", exchange -> handle(exchange, "GET", this::adminTotals));
        server.createContext("/api/admin/creators", exchange -> handle(exchange, "GET", this::adminCreators));
        server.createContext("/api/admin/payouts", exchange -> handle(exchange, "POST", this::adminPayouts));
        server.createContext("/", this::staticFile);
    }

    /**
     * Starts the app on the embedded database in {@code earnings-host-data/} with demo data, on
     * port 8080 (or the port given as the first argument).
     *
     * @param args optionally the port
     * @throws IOException if the port is taken
     */
    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        HostApp app = start(Path.of("earnings-host-data"), Clock.systemUTC(), port);
        String url = "http://127.0.0.1:" + app.port() + "/";
        System.out.printf("earnings example host running at %s%n%n", url);
        System.out.printf("  creator dashboard (ada):  %s?token=demo-ada%n", url);
        System.out.printf("  creator dashboard (lin):  %s?token=demo-lin%n", url);
        System.out.printf("  admin page:               %sadmin.html?token=demo-admin%n", url);
        System.out.printf("  track a use as user-42:   curl -H 'Authorization: Bearer demo-user' -d '{\"modelId\":\"anime-diffusion\","
                + "\"tokensConsumed\":50,\"usageType\":\"image_generation\"}' %sapi/track-model-usage%n", url);
        System.out.println("\nDemo tokens: demo-user, demo-ada, demo-lin, demo-admin. Ctrl-C stops it.");
    }

    /**
     * Starts the app.
     *
     * @param directory the embedded database's directory
     * @param clock the clock the library runs on
     * @param port the port, 0 for any free one
     * @return the running app
     * @throws IOException if the port is taken
     */
    public static HostApp start(Path directory, Clock clock, int port) throws IOException {
        Earnings earnings = Earnings.builder().embeddedDatabase(directory).clock(clock).build();
        DemoData.load(earnings, clock);
        HostApp app = new HostApp(earnings, port);
        app.server.start();
        return app;
    }

    /**
     * The port the app listens on.
     *
     * @return the port
     */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdown();
        earnings.close();
    }

    // ------------------------------------------------------------------ plumbing

    private interface Handler {
        Object handle(HttpExchange exchange, Principal principal) throws IOException;
    }

    private void handle(HttpExchange exchange, String method, Handler handler) throws IOException {
        try (exchange) {
            try {
                if (!exchange.getRequestMethod().equals(method)) {
                    throw new HttpError(405, "method", "use " + method);
                }
                Principal principal = authenticate(exchange);
                send(exchange, 200, json.writeValueAsBytes(handler.handle(exchange, principal)));
            } catch (HttpError e) {
                sendError(exchange, e.status, e.field, e.getMessage());
            } catch (AccessDeniedException e) {
                sendError(exchange, 403, "caller", e.getMessage());
            } catch (UnknownModelException e) {
                sendError(exchange, 404, e.field(), e.getMessage());
            } catch (IdempotencyConflictException e) {
                sendError(exchange, 409, e.field(), e.getMessage());
            } catch (InsufficientFundsException e) {
                sendError(exchange, 409, "amountMinor", e.getMessage());
            } catch (IllegalPayoutTransitionException e) {
                sendError(exchange, 409, "status", e.getMessage());
            } catch (InvalidInputException e) {
                sendError(exchange, 400, e.field(), e.getMessage());
            } catch (StorageException e) {
                // The use may or may not have been committed: the client retries with this eventId.
                sendError(exchange, 503, "server", "the earnings store is unavailable; retry with eventId "
                        + e.eventId().orElse("(none)"));
            } catch (EarningsException e) {
                sendError(exchange, 500, "server", "the server failed; see its log");
            }
        }
    }

    private static Principal authenticate(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.startsWith("Bearer ")) {
            throw new HttpError(401, "authorization", "sign in: send Authorization: Bearer <token>");
        }
        Principal principal = DEMO_TOKENS.get(header.substring("Bearer ".length()).trim());
        if (principal == null) {
            throw new HttpError(401, "authorization", "the token is not valid");
        }
        return principal;
    }

    private JsonNode body(HttpExchange exchange) throws IOException {
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readNBytes(MAX_BODY + 1);
        }
        if (bytes.length > MAX_BODY) {
            throw new HttpError(413, "body", "the body is larger than " + MAX_BODY + " bytes");
        }
        try {
            JsonNode node = json.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new HttpError(400, "body", "the body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new HttpError(400, "body", "the body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> params = new HashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return params;
    }

    private void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    private void sendError(HttpExchange exchange, int status, String field, String message) throws IOException {
        ObjectNode error = json.createObjectNode();
        error.put("error", status == 401 ? "unauthorized" : status == 403 ? "forbidden" : status == 404 ? "not_found"
                : status == 409 ? "conflict" : status >= 500 ? "unavailable" : "bad_request");
        error.put("field", field);
        error.put("message", message);
        send(exchange, status, json.writeValueAsBytes(error));
    }

    private void staticFile(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String name = path.equals("/") ? "index.html" : path.substring(1);
            if (!name.matches("[a-z]+\\.(html|js|css)")) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            try (InputStream in = HostApp.class.getResourceAsStream("web/" + name)) {
                if (in == null) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                byte[] bytes = in.readAllBytes();
                String type = name.endsWith(".html") ? "text/html" : name.endsWith(".js") ? "text/javascript" : "text/css";
                exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
                exchange.sendResponseHeaders(200, bytes.length);
                exchange.getResponseBody().write(bytes);
            }
        }
    }

    // ------------------------------------------------------------------ endpoints

    private Object track(HttpExchange exchange, Principal principal) throws IOException {
        JsonNode body = body(exchange);
        UsageRequest.Builder request = UsageRequest.builder(principal.id(), text(body, "modelId", true))
                .tokensConsumed(wholeNumber(body, "tokensConsumed"))
                .usageType(text(body, "usageType", true));
        JsonNode metadata = body.get("metadata");
        if (metadata != null && !metadata.isNull()) {
            request.metadataJson(metadata.toString());
        }
        String eventId = text(body, "eventId", false);
        if (eventId != null) {
            request.eventId(eventId);
        }
        return use(earnings.logModelUsage(request.build()));
    }

    private Object creatorAnalytics(HttpExchange exchange, Principal principal) {
        Map<String, String> q = query(exchange);
        ReportPeriod period = period(q);
        String creatorId = q.getOrDefault("creatorId", principal.id());
        if (principal.role() == Role.USER) {
            throw new AccessDeniedException("only creators and admins have analytics");
        }
        DashboardQuery query = DashboardQuery.of(period).limits(10, 10, 10);
        String modelId = q.get("modelId");
        if (modelId != null && !modelId.isEmpty()) {
            query = query.forModel(modelId);
        }
        CreatorDashboard d = earnings.analytics().creatorDashboard(principal.caller(), creatorId, query);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("creatorId", d.creatorId());
        out.put("from", d.range().from().toString());
        out.put("to", d.range().to().toString());
        out.put("modelId", d.modelId().orElse(null));
        out.put("totalEarnings", money(d.periodEarnings().amount()));
        out.put("lifetimeEarnings", money(d.lifetimeEarnings().amount()));
        out.put("totalUsage", d.uses());
        out.put("earningUses", d.earningUses());
        out.put("uniqueUsers", d.uniqueUsers());
        out.put("activeModels", d.activeModels());
        out.put("averagePerModel", money(d.averageEarningsPerActiveModel().amount()));
        out.put("change", Map.of("previousEarnings", money(d.change().previousEarnings().amount()),
                "earningsChange", money(d.change().earningsChange().amount()),
                "earningsChangeRatio", d.change().earningsChangeRatio().map(BigDecimal::toPlainString).orElse("")));
        List<Map<String, Object>> models = new ArrayList<>();
        for (CreatorDashboard.ModelPerformance m : d.topModels()) {
            models.add(Map.of("modelId", m.modelId(), "uses", m.uses(), "earnings", money(m.earnings().amount()),
                    "tier", m.currentTier(), "multiplier", m.currentMultiplier().toPlainString(),
                    "usesToNextTier", m.usesToNextTier().isPresent() ? m.usesToNextTier().getAsLong() : -1));
        }
        out.put("models", models);
        List<Map<String, Object>> trend = new ArrayList<>();
        for (CreatorDashboard.TrendPoint p : d.trend()) {
            trend.add(Map.of("day", p.start().toString(), "earnings", money(p.earnings().amount()), "uses", p.uses()));
        }
        out.put("trend", trend);
        List<Map<String, Object>> activity = new ArrayList<>();
        for (CreatorDashboard.Activity a : d.recentActivity()) {
            activity.add(Map.of("at", a.occurredAt().toString(), "modelId", a.modelId(), "usageType", a.usageType(),
                    "tokens", a.tokensConsumed(), "earnings", money(a.earnings().amount()), "user", a.userPseudonym()));
        }
        out.put("recentActivity", activity);
        out.put("balance", balance(d.balance()));
        List<Object> transactions = new ArrayList<>();
        d.recentTransactions().forEach(p -> transactions.add(payout(p)));
        out.put("transactions", transactions);
        out.put("modelIds", modelIds(creatorId));
        return out;
    }

    private List<String> modelIds(String creatorId) {
        // The model filter lists the creator's models, whether or not they were used in the period.
        List<String> ids = new ArrayList<>();
        for (String id : DemoData.MODELS.keySet()) {
            Optional<Model> model = earnings.models().find(id);
            if (model.isPresent() && model.get().creatorId().equals(creatorId)) {
                ids.add(id);
            }
        }
        return ids;
    }

    private Object adminTotals(HttpExchange exchange, Principal principal) {
        PlatformTotals t = earnings.admin().platformTotals(principal.caller(), period(query(exchange)));
        return Map.of("from", t.range().from().toString(), "to", t.range().to().toString(),
                "earnings", money(t.earnings().amount()), "uses", t.uses(), "creatorsWithUsage", t.creatorsWithUsage(),
                "modelsWithUsage", t.modelsWithUsage(), "newModels", t.newModels());
    }

    private Object adminCreators(HttpExchange exchange, Principal principal) {
        Map<String, String> q = query(exchange);
        CreatorOverview.Sort sort;
        try {
            sort = CreatorOverview.Sort.valueOf(q.getOrDefault("sort", "LIFETIME_EARNINGS").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "sort", "sort must be one of " + List.of(CreatorOverview.Sort.values()));
        }
        Page<CreatorOverview> page = earnings.admin().creatorsOverview(principal.caller(), CreatorsOverviewQuery.of(period(q)).sortedBy(sort, !"asc".equals(q.get("direction"))).page(integer(q, "page", 0), integer(q, "size", 50)));
        List<Map<String, Object>> items = new ArrayList<>();
        for (CreatorOverview c : page.items()) {
            items.add(Map.of("creatorId", c.creatorId(), "lifetimeEarnings", money(c.lifetimeEarnings().amount()),
                    "periodEarnings", money(c.periodEarnings().amount()), "periodUses", c.periodUses(), "models", c.models(),
                    "balance", balance(c.balance())));
        }
        return Map.of("items", items, "page", page.page(), "size", page.pageSize(), "totalItems", page.totalItems());
    }

    private Object adminPayouts(HttpExchange exchange, Principal principal) throws IOException {
        String path = exchange.getRequestURI().getPath();
        JsonNode body = body(exchange);
        Caller caller = principal.caller();
        if (path.equals("/api/admin/payouts")) {
            return payout(earnings.payouts().create(caller, PayoutRequest.of(text(body, "creatorId", true), wholeNumber(body, "amountMinor"), text(body, "reference", true)).note(text(body, "note", false))));
        }
        if (path.equals("/api/admin/payouts/bulk")) {
            BulkPayoutResult result = earnings.payouts().payoutAll(caller, BulkPayoutRequest.of(text(body, "batchReference", true)).threshold(wholeNumber(body, "thresholdMinor")).dryRun(body.path("dryRun").asBoolean(true)));
            List<Map<String, Object>> items = new ArrayList<>();
            for (BulkPayoutResult.Item item : result.items()) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("creatorId", item.creatorId());
                line.put("availableMinor", item.availableMinor());
                line.put("outcome", item.outcome().name());
                line.put("payout", item.payout().map(this::payout).orElse(null));
                line.put("error", item.error().orElse(null));
                items.add(line);
            }
            return Map.of("dryRun", result.dryRun(), "items", items);
        }
        String[] parts = path.split("/");
        if (parts.length == 6 && parts[5].matches("complete|fail|cancel")) {
            long id;
            try {
                id = Long.parseLong(parts[4]);
            } catch (NumberFormatException e) {
                throw new HttpError(400, "payoutId", "the payout id must be a number");
            }
            String reason = text(body, "reason", false);
            Payout p = parts[5].equals("complete") ? earnings.payouts().complete(caller, id, reason)
                    : parts[5].equals("fail") ? earnings.payouts().fail(caller, id, reason)
                    : earnings.payouts().cancel(caller, id, reason);
            return payout(p);
        }
        throw new HttpError(404, "path", "no such payout action: " + path);
    }

    // ------------------------------------------------------------------ JSON

    private static String text(JsonNode body, String field, boolean required) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                throw new HttpError(400, field, field + " is required");
            }
            return null;
        }
        if (!node.isTextual()) {
            throw new HttpError(400, field, field + " must be a string");
        }
        return node.asText();
    }

    private static long wholeNumber(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            throw new HttpError(400, field, field + " is required");
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw new HttpError(400, field, field + " must be a whole number");
        }
        return node.asLong();
    }

    private static int integer(Map<String, String> q, String name, int fallback) {
        String value = q.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new HttpError(400, name, name + " must be a whole number");
        }
    }

    private static ReportPeriod period(Map<String, String> q) {
        String value = q.getOrDefault("period", "30");
        try {
            return ReportPeriod.lastDays(Integer.parseInt(value));
        } catch (NumberFormatException e) {
            throw new HttpError(400, "period", "period must be 7, 30, 90 or 365");
        }
    }

    /** Money goes out as a decimal string: JSON numbers become doubles in most clients. */
    private static String money(BigDecimal amount) {
        return amount.toPlainString();
    }

    private Map<String, Object> use(RecordedUse u) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("eventId", u.eventId());
        out.put("replayed", u.replayed());
        out.put("modelId", u.modelId());
        out.put("useOrdinal", u.useOrdinal().isPresent() ? u.useOrdinal().getAsLong() : null);
        out.put("earnings", money(u.result().earnings().amount()));
        out.put("currency", u.result().earnings().currency().getCurrencyCode());
        out.put("base", money(u.result().base().amount()));
        out.put("tier", u.result().tier().index());
        out.put("tierMultiplier", u.result().tier().multiplier().toPlainString());
        out.put("usageType", u.result().usageType().name());
        out.put("typeMultiplier", u.result().usageType().multiplier().toPlainString());
        out.put("reason", u.result().reason().map(Enum::name).orElse(null));
        out.put("explanation", u.result().explain());
        out.put("occurredAt", u.occurredAt().toString());
        return out;
    }

    private Map<String, Object> balance(Balance b) {
        return Map.of("earned", money(b.earned().amount()), "pending", money(b.pending().amount()),
                "paidOut", money(b.paidOut().amount()), "available", money(b.available().amount()),
                "availableMinor", b.availableMinor());
    }

    private Map<String, Object> payout(Payout p) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", p.id());
        out.put("creatorId", p.creatorId());
        out.put("reference", p.reference());
        out.put("amountMinor", p.amountMinor());
        out.put("amount", p.amount().amount().setScale(2, java.math.RoundingMode.UNNECESSARY).toPlainString());
        out.put("status", p.status().name());
        out.put("createdAt", p.createdAt().toString());
        out.put("updatedBy", p.updatedBy());
        out.put("statusReason", p.statusReason().orElse(null));
        return out;
    }

    /** Demo data: two creators, four models and a few weeks of uses, loaded once per database. */
    static final class DemoData {
        static final Map<String, String[]> MODELS = new LinkedHashMap<>();

        static {
            MODELS.put("anime-diffusion", new String[] {"ada", "0.01", "0.0001"});
            MODELS.put("sketch-xl", new String[] {"ada", "0.005", "0"});
            MODELS.put("story-chat", new String[] {"lin", "0.002", "0.00002"});
            MODELS.put("voice-clone", new String[] {"lin", "0.03", "0"});
        }

        private DemoData() {
        }

        static void load(Earnings earnings, Clock clock) {
            if (earnings.models().find("anime-diffusion").isPresent()) {
                return; // loaded on an earlier start
            }
            for (Map.Entry<String, String[]> m : MODELS.entrySet()) {
                earnings.models().register(m.getKey(), m.getValue()[0], ModelPricing.of(m.getValue()[1], m.getValue()[2]));
            }
            Instant now = clock.instant();
            String[] types = {"image_generation", "chat", "other"};
            List<String> ids = new ArrayList<>(MODELS.keySet());
            for (int day = 30; day >= 0; day--) {
                List<UsageRequest> batch = new ArrayList<>();
                int uses = 20 + (30 - day) * 2;
                for (int i = 0; i < uses; i++) {
                    String model = ids.get((i * 7 + day) % (i % 3 == 0 ? 4 : 2));
                    batch.add(UsageRequest.builder("user-" + (i * 13 + day) % 40, model).tokensConsumed((i * 37L) % 800)
                            .usageType(types[i % 3]).occurredAt(now.minus(Duration.ofDays(day)).minus(Duration.ofMinutes(i)))
                            .build());
                }
                earnings.logModelUsageBatch(batch);
            }
            // A paid month for ada and a pending payout for lin, so the transaction lists show something.
            Caller admin = Caller.admin("demo-admin");
            Payout paid = earnings.payouts().create(admin, PayoutRequest.of("ada", 500, "demo-previous-month").note("demo payout"));
            earnings.payouts().complete(admin, paid.id(), "demo wire");
            earnings.payouts().create(admin, PayoutRequest.of("lin", 100, "demo-this-month").note("demo payout"));
        }
    }
}
