package dev.earnings.examples.host;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import dev.earnings.examples.host.Credentials.Principal;
import dev.earnings.examples.host.Credentials.Role;
import dev.earnings.jdbc.AuditAction;
import dev.earnings.jdbc.AuditQuery;
import dev.earnings.jdbc.BulkPayoutRequest;
import dev.earnings.jdbc.BulkPayoutResult;
import dev.earnings.jdbc.Caller;
import dev.earnings.jdbc.CreatorOverview;
import dev.earnings.jdbc.CreatorsOverviewQuery;
import dev.earnings.jdbc.DashboardQuery;
import dev.earnings.jdbc.Earnings;
import dev.earnings.jdbc.Forecast;
import dev.earnings.jdbc.Model;
import dev.earnings.jdbc.Page;
import dev.earnings.jdbc.Payout;
import dev.earnings.jdbc.PayoutRequest;
import dev.earnings.jdbc.ReportFilter;
import dev.earnings.jdbc.ReportPeriod;
import dev.earnings.jdbc.Reversal;
import dev.earnings.jdbc.ReversalRequest;
import dev.earnings.jdbc.UsageRequest;
import dev.earnings.jdbc.http.HttpProblem;
import dev.earnings.jdbc.http.JsonRequest;
import dev.earnings.jdbc.http.JsonView;
import dev.earnings.jdbc.webhook.WebhookHeaders;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An example host application: the tracking and analytics endpoints over HTTP, and a web
 * dashboard, on the JDK's HTTP server.
 *
 * <p>Who may do what. People sign in with a bearer token in the {@code Authorization} header (the
 * demo tokens are printed at start; a token in the URL is refused): creators read their own
 * analytics, admins read everyone's, manage payouts, reverse uses and read the audit log, end
 * users read nothing. Uses are recorded by the host's backend alone, with its <em>service
 * credential</em>: the backend served the model, so it names the user and sends the prompt and
 * response, and this app measures the tokens from them ({@link TokenMeter}). A token count sent
 * by a client is refused: creators are paid by it, so it is never taken from a request.
 *
 * <p>What bounds it. Tracking is rate-limited per credential and per end user, failed sign-ins per
 * client address with a lockout ({@link RateLimits}; 429 with {@code Retry-After}). A request must
 * arrive whole within {@link #REQUEST_TIMEOUT} and be answered within {@link #RESPONSE_TIMEOUT};
 * idle connections close after {@link #IDLE_TIMEOUT}, and {@link #WORKERS} threads serve at most
 * {@link #MAX_CONNECTIONS} connections. The JDK server holds a thread while it reads a request, so
 * slow clients can delay others by up to the request timeout; a production host puts a proxy in
 * front. Bodies are at most 64 KiB of {@code Content-Type: application/json}, read strictly
 * ({@link JsonRequest}); the metadata goes to the library as the JSON text the backend sent.
 *
 * <p>What the figures suggest. The insight endpoints ({@code /api/insights/...}) answer the
 * library's forecasts, model comparisons, market insights, monthly goals, alerts and
 * recommendations in {@link JsonView}'s form, each in the time zone the request names (UTC
 * unless given); a creator reads and sets their own, an admin names the creator, and only an
 * admin asks for a day to be checked for alerts now ({@code POST /api/admin/insights/check}).
 *
 * <p>What it tells other services. Every event of the library (a use reversed, a tier reached, a
 * payout created or moved) is posted, signed, by a consumer named {@value Webhooks#CONSUMER} to a
 * webhook receiver: by default the app's own ({@code POST }{@value WebhookSettings#RECEIVER_PATH}),
 * which verifies each request and keeps what it took for the admin page, beside the delivery
 * attempts, the consumer's status and its dead letters ({@link Webhooks}, {@link WebhookSettings}).
 *
 * <p>What it shows browsers and logs. Every answer carries security headers ({@link
 * SecurityHeaders}); API answers are {@code Cache-Control: no-store}. The access log has method,
 * route template, status and duration, and no user id, token, query string or body ({@link
 * AccessLog}).
 *
 * <p>Run it with the README's command and open the printed URL.
 */
public final class HostApp implements AutoCloseable {
    /** How long a client may take to send a request, headers and body. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** How long the app may take to answer, once the request is read. */
    static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    /** How long a kept-alive connection may sit idle between requests. */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** Threads that serve requests; more requests wait in a queue of {@link #QUEUED}. */
    static final int WORKERS = 32;
    static final int QUEUED = 128;
    /** Open connections beyond this are closed at once. */
    static final int MAX_CONNECTIONS = 512;
    private static final Logger LOG = LoggerFactory.getLogger(HostApp.class);
    private static final int MAX_BODY = 64 * 1024;
    private static final Set<String> TOKEN_PARAMETERS = Set.of("token", "access_token", "api_key", "apikey");
    private static final Set<String> TRACK_FIELDS = Set.of("userId", "modelId", "usageType", "prompt", "response",
            "metadata", "eventId");
    /**
     * The fields of a reversal. Any other is refused: a misspelt {@code amount} would otherwise be
     * taken as absent, and reverse all that remains of the use instead of the part meant.
     */
    private static final Set<String> REVERSAL_FIELDS = Set.of("eventId", "amount", "correctionId", "reason");
    /** The fields of a monthly goal; {@code creatorId} is for admins, who set one for a creator. */
    private static final Set<String> GOAL_FIELDS = Set.of("month", "zone", "target", "creatorId");
    /** The forecasts' lengths the dashboard offers. */
    private static final Set<Integer> FORECAST_DAYS = Set.of(7, 30, 90);
    /** Audit entries a page when the request names no size. */
    private static final int AUDIT_PAGE_SIZE = 50;

    static {
        // The JDK's server has no API for its timeouts: it reads these properties once, when this
        // JVM starts its first server, which is why they are set here, before any server exists.
        // Values an operator passed with -D stand.
        serverDefault("sun.net.httpserver.maxReqTime", REQUEST_TIMEOUT.toSeconds());
        serverDefault("sun.net.httpserver.maxRspTime", RESPONSE_TIMEOUT.toSeconds());
        serverDefault("sun.net.httpserver.idleInterval", IDLE_TIMEOUT.toSeconds());
        // How often idle connections are looked for, in milliseconds (the JDK's default is 10 s).
        serverDefault("sun.net.httpserver.clockTick", 1000);
        serverDefault("jdk.httpserver.maxConnections", MAX_CONNECTIONS);
    }

    private final Earnings earnings;
    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final ObjectMapper json = new ObjectMapper();
    private final Credentials credentials = Credentials.demo();
    private final RateLimits limits;
    private final TokenMeter meter = new TokenMeter();
    private final AccessLog accessLog;
    private final Webhooks webhooks;

    private static void serverDefault(String property, long value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, Long.toString(value));
        }
    }

    private HostApp(Earnings earnings, Clock clock, int port, Consumer<String> accessLog, WebhookSettings webhookSettings)
            throws IOException {
        this.earnings = earnings;
        this.limits = new RateLimits(clock);
        this.accessLog = new AccessLog(accessLog);
        AtomicInteger threads = new AtomicInteger();
        ThreadFactory named = task -> new Thread(task, "host-http-" + threads.incrementAndGet());
        // A full queue refuses the request: the server then closes its connection at once.
        this.executor = new ThreadPoolExecutor(WORKERS, WORKERS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUED), named, new ThreadPoolExecutor.AbortPolicy());
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.setExecutor(executor);
        this.webhooks = new Webhooks(earnings.events(), webhookSettings,
                URI.create("http://127.0.0.1:" + port() + WebhookSettings.RECEIVER_PATH), clock, JsonView::stored);
        api("/api/track-model-usage", "POST", true, this::track);
        api("/api/creator-analytics", "GET", true, this::creatorAnalytics);
        api("/api/admin/totals", "GET", true, this::adminTotals);
        api("/api/admin/creators", "GET", true, this::adminCreators);
        // The payout actions lie below this path: their handler sorts them out.
        api("/api/admin/payouts", "POST", false, this::adminPayouts);
        api("/api/admin/reversals", "POST", true, this::adminReverse);
        api("/api/admin/audit-log", "GET", true, this::adminAuditLog);
        api("/api/admin/webhooks/deliveries", "GET", true, adminOnly(webhooks::deliveries));
        api("/api/admin/webhooks/received", "GET", true, adminOnly(webhooks::received));
        api("/api/admin/events/status", "GET", true, adminOnly(webhooks::status));
        api("/api/admin/events/replay", "POST", true, adminOnly(webhooks::replay));
        api("/api/insights/forecast", "GET", true, this::forecast);
        api("/api/insights/compare", "GET", true, this::compare);
        api("/api/insights/market", "GET", true, this::market);
        // A month's goal lies below this path, for DELETE: the handler sorts out path and method.
        api("/api/insights/goals", List.of("GET", "POST", "DELETE"), false, this::goals);
        api("/api/insights/alerts", "GET", true, this::alerts);
        api("/api/insights/recommendations", "GET", true, this::recommendations);
        api("/api/admin/insights/check", "POST", true, this::checkAlerts);
        // Signed, not signed in: the webhook's signature is its credential.
        route(WebhookSettings.RECEIVER_PATH, exchange -> handle(exchange, List.of("POST"), true, this::receiveWebhook),
                "no-store");
        route("/", this::staticFile, "no-cache");
    }

    /** An API route for a signed-in principal; {@code exact} if no path below it is served. */
    private void api(String path, String method, boolean exact, Handler handler) {
        api(path, List.of(method), exact, handler);
    }

    /** An API route taking any of {@code methods}. */
    private void api(String path, List<String> methods, boolean exact, Handler handler) {
        route(path, exchange -> handle(exchange, methods, exact, e -> handler.handle(e, authenticate(e))), "no-store");
    }

    private void route(String path, HttpHandler handler, String cacheControl) {
        HttpContext context = server.createContext(path, handler);
        context.getFilters().add(accessLog);
        context.getFilters().add(new SecurityHeaders(cacheControl));
    }

    /**
     * Starts the app on the embedded database in {@code earnings-host-data/} with demo data, on
     * port 8080 (or the port given as the first argument). Earnings are held for
     * {@value DemoData#HOLD_DAYS} full UTC day after the use's day, the time a host would give its
     * fraud review, so the dashboard shows a held amount beside the available one. Webhooks go to
     * the app's own receiver, or to the one {@value WebhookSettings#URL_PROPERTY} names, signed with
     * the secret in {@value WebhookSettings#SECRET_VARIABLE} ({@link WebhookSettings}).
     *
     * @param args optionally the port
     * @throws IOException if the port is taken
     */
    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        WebhookSettings webhooks = WebhookSettings.of(System::getProperty, System::getenv);
        HostApp app = start(Path.of("earnings-host-data"), Clock.systemUTC(), port,
                LoggerFactory.getLogger("dev.earnings.examples.host.access")::info, webhooks);
        // Ctrl-C: the webhook being sent is finished and the database closed, before the JVM ends.
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "host-shutdown"));
        String url = "http://127.0.0.1:" + app.port() + "/";
        System.out.printf("earnings example host running at %s%n%n", url);
        System.out.print(DemoData.pages(url));
        System.out.printf("  record a use as the host's backend, for user-42 (the app counts the tokens):%n"
                + "    curl -H 'Authorization: Bearer demo-backend' -H 'Content-Type: application/json' \\%n"
                + "      -d '{\"userId\":\"user-42\",\"modelId\":\"story-chat\",\"usageType\":\"chat\","
                + "\"prompt\":\"Tell me a story\",\"response\":\"Once upon a time...\"}' \\%n"
                + "      %sapi/track-model-usage%n", url);
        System.out.printf("  webhooks:           every event posted, signed, to %s%n", webhooks.endpoint()
                .map(e -> "the receiver given in " + WebhookSettings.URL_PROPERTY)
                .orElse("the app's own receiver, " + url + WebhookSettings.RECEIVER_PATH.substring(1)));
        System.out.println("\nDemo tokens: demo-user (an end user), demo-ada and demo-lin (creators), demo-admin,"
                + " demo-backend (the service credential). Ctrl-C stops it.");
    }

    /**
     * Starts the app; its access log goes to the logger {@code dev.earnings.examples.host.access},
     * and its webhooks to its own receiver, under a secret made now.
     *
     * @param directory the embedded database's directory
     * @param clock the clock the library and the rate limits run on
     * @param port the port, 0 for any free one
     * @return the running app
     * @throws IOException if the port is taken
     */
    public static HostApp start(Path directory, Clock clock, int port) throws IOException {
        return start(directory, clock, port, LoggerFactory.getLogger("dev.earnings.examples.host.access")::info);
    }

    /** Starts the app with its access log lines going to {@code accessLog}. */
    static HostApp start(Path directory, Clock clock, int port, Consumer<String> accessLog) throws IOException {
        return start(directory, clock, port, accessLog, WebhookSettings.builtIn());
    }

    /** Starts the app with its access log lines going to {@code accessLog}, and its webhooks as the settings say. */
    static HostApp start(Path directory, Clock clock, int port, Consumer<String> accessLog, WebhookSettings webhooks)
            throws IOException {
        // The library's clock is the host's, which the demo data sets back while it records its history.
        Clock library = DemoData.clock(clock);
        Earnings earnings = Earnings.builder().embeddedDatabase(directory).clock(library).holdDays(DemoData.HOLD_DAYS)
                .build();
        HostApp app;
        try {
            DemoData.load(earnings, library);
            app = new HostApp(earnings, clock, port, accessLog, webhooks);
        } catch (IOException | RuntimeException e) {
            earnings.close();
            throw e;
        }
        try {
            app.server.start();
            // Delivering once the receiver listens, so that the first attempts do not fail.
            app.webhooks.start();
            return app;
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
    }

    /**
     * The port the app listens on.
     *
     * @return the port
     */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The library the app answers from, for tests that ask it the same questions. */
    Earnings earnings() {
        return earnings;
    }

    /** Threads serving a request now, of {@link #WORKERS}. */
    int busyWorkers() {
        return executor.getActiveCount();
    }

    /**
     * Stops delivering webhooks (the one being sent is finished, while the receiver still
     * listens), then the server, then the library.
     */
    @Override
    public void close() {
        webhooks.close();
        server.stop(0);
        executor.shutdown();
        earnings.close();
    }

    // ------------------------------------------------------------------ plumbing

    private interface Handler {
        Object handle(HttpExchange exchange, Principal principal) throws IOException;
    }

    /** What a route answers, once the path and the method are right. */
    private interface Answer {
        Object answer(HttpExchange exchange) throws IOException;
    }

    private void handle(HttpExchange exchange, List<String> methods, boolean exact, Answer handler) throws IOException {
        try (exchange) {
            AccessLog.template(exchange, exchange.getHttpContext().getPath());
            try {
                if (exact) {
                    exactPath(exchange);
                }
                refuseTokenInUrl(exchange);
                if (!methods.contains(exchange.getRequestMethod())) {
                    throw methodNotAllowed(exchange, methods);
                }
                send(exchange, 200, json.writeValueAsBytes(handler.answer(exchange)));
            } catch (HttpError e) {
                e.retryAfterSeconds().ifPresent(s -> exchange.getResponseHeaders().set("Retry-After", Long.toString(s)));
                sendError(exchange, e.status, e.field, e.getMessage());
            } catch (RuntimeException e) {
                Optional<HttpProblem> problem = HttpProblem.of(e);
                if (problem.isEmpty()) {
                    LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getAttribute(AccessLog.TEMPLATE), e);
                    sendError(exchange, 500, "server", "the server failed; see its log");
                    return;
                }
                HttpProblem p = problem.get();
                p.retryAfterSeconds().ifPresent(seconds -> exchange.getResponseHeaders().set("Retry-After", Long.toString(seconds)));
                sendError(exchange, p.status(), p.field(), p.message());
            }
        }
    }

    private static HttpError methodNotAllowed(HttpExchange exchange, List<String> methods) {
        exchange.getResponseHeaders().set("Allow", String.join(", ", methods));
        return new HttpError(405, "method", "use " + String.join(" or ", methods));
    }

    /** Refuses a path below a fixed route, which no handler serves. */
    private static void exactPath(HttpExchange exchange) {
        if (!exchange.getRequestURI().getPath().equals(exchange.getHttpContext().getPath())) {
            AccessLog.template(exchange, exchange.getHttpContext().getPath() + "/*");
            throw new HttpError(404, "path", "no such endpoint");
        }
    }

    /** A token in a URL is kept in browser history, proxy logs and Referer headers: it is refused. */
    private static void refuseTokenInUrl(HttpExchange exchange) {
        for (String name : query(exchange).keySet()) {
            if (TOKEN_PARAMETERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new HttpError(400, name, "a token in the URL is refused; send it in the Authorization header"
                        + " as Bearer <token>, and sign in on the page's form");
            }
        }
    }

    private Principal authenticate(HttpExchange exchange) {
        List<String> headers = exchange.getRequestHeaders().get("Authorization");
        if (headers == null || headers.isEmpty()) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            throw new HttpError(401, "authorization", "sign in: send Authorization: Bearer <token>");
        }
        if (headers.size() > 1) {
            throw new HttpError(400, "authorization", "send one Authorization header");
        }
        String header = headers.get(0);
        String token = header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
        // Counted as a failed sign-in whatever is wrong with it, a malformed header included.
        Optional<Principal> principal = limits.signIn(exchange.getRemoteAddress().getAddress(),
                () -> token.isEmpty() ? Optional.empty() : credentials.verify(token));
        if (principal.isEmpty()) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            throw new HttpError(401, "authorization", "the token is not valid");
        }
        return principal.get();
    }

    /**
     * An admin's caller; anyone else is refused, before anything of the request is read. For what
     * the library does not guard by caller itself: its events are calls of the host's trusted
     * backend, and reversals are refused here before the body tells anything.
     */
    private static Caller admin(Principal principal, String refusal) {
        if (principal.role() != Role.ADMIN) {
            throw new HttpError(403, "authorization", refusal);
        }
        return caller(principal);
    }

    /** The caller the library sees: creators and admins only. */
    private static Caller caller(Principal principal) {
        switch (principal.role()) {
            case ADMIN:
                return Caller.admin(principal.id());
            case CREATOR:
                return Caller.creator(principal.id());
            default:
                throw new HttpError(403, "authorization", "analytics are for creators and admins, and payouts, reversals,"
                        + " the audit log and webhooks for admins alone");
        }
    }

    private static JsonRequest body(HttpExchange exchange) throws IOException {
        return JsonRequest.parse(bytes(exchange));
    }

    /** A body of {@code Content-Type: application/json}, up to {@link #MAX_BODY} bytes, as received. */
    private static byte[] bytes(HttpExchange exchange) throws IOException {
        List<String> types = exchange.getRequestHeaders().get("Content-Type");
        if (types == null || types.size() != 1 || !isJsonUtf8(types.get(0))) {
            throw new HttpError(415, "Content-Type", "send the body as Content-Type: application/json (UTF-8)");
        }
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readNBytes(MAX_BODY + 1);
        }
        if (bytes.length > MAX_BODY) {
            throw new HttpError(413, "body", "the body is larger than " + MAX_BODY + " bytes");
        }
        return bytes;
    }

    /** {@code application/json}, with no parameter but an optional UTF-8 charset (JSON is UTF-8). */
    static boolean isJsonUtf8(String contentType) {
        String[] parts = contentType.split(";", -1);
        if (!parts[0].strip().equalsIgnoreCase("application/json")) {
            return false;
        }
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].strip().replace("\"", "");
            if (!parameter.equalsIgnoreCase("charset=utf-8")) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> params = new HashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                if (!name.isEmpty()) {
                    params.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
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
        error.put("error", errorName(status));
        error.put("field", field);
        error.put("message", message);
        send(exchange, status, json.writeValueAsBytes(error));
    }

    private static String errorName(int status) {
        switch (status) {
            case 401:
                return "unauthorized";
            case 403:
                return "forbidden";
            case 404:
                return "not_found";
            case 405:
                return "method_not_allowed";
            case 409:
                return "conflict";
            case 413:
                return "too_large";
            case 415:
                return "unsupported_media_type";
            case 429:
                return "too_many_requests";
            default:
                return status >= 500 ? "unavailable" : "bad_request";
        }
    }

    private void staticFile(HttpExchange exchange) throws IOException {
        try (exchange) {
            AccessLog.template(exchange, "/*");
            try {
                refuseTokenInUrl(exchange);
            } catch (HttpError e) {
                sendError(exchange, e.status, e.field, e.getMessage());
                return;
            }
            String path = exchange.getRequestURI().getPath();
            String name = path.equals("/") ? "index.html" : path.substring(1);
            if (!name.matches("[a-z]+\\.(html|js|css)")) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            if (!exchange.getRequestMethod().equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            try (InputStream in = HostApp.class.getResourceAsStream("web/" + name)) {
                if (in == null) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                // Only the names of files that exist go to the log: a path as sent may hold anything.
                AccessLog.template(exchange, path);
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
        if (principal.role() != Role.SERVICE) {
            throw new HttpError(403, "authorization", "uses are recorded by the host's backend with its service"
                    + " credential, not with a person's sign-in");
        }
        limits.trackingCall(principal.id());
        JsonRequest body = body(exchange);
        if (body.has("tokensConsumed")) {
            throw new HttpError(400, "tokensConsumed", "tokensConsumed is not accepted: the host measures the tokens"
                    + " itself; send the prompt and the response the model gave");
        }
        body.onlyFields("a use", TRACK_FIELDS);
        String userId = body.text("userId");
        limits.use(principal.id(), userId);
        long tokens = meter.tokens(body.text("prompt"), body.optionalText("response").orElse(""));
        UsageRequest.Builder request = UsageRequest.builder(userId, body.text("modelId"))
                .tokensConsumed(tokens)
                .usageType(body.text("usageType"));
        // The text as sent, for the library's own strict parser and its messages.
        body.raw("metadata").ifPresent(request::metadataJson);
        body.optionalText("eventId").ifPresent(request::eventId);
        Map<String, Object> out = JsonView.use(earnings.logModelUsage(request.build()));
        out.put("tokensConsumed", tokens);
        return out;
    }

    private Object creatorAnalytics(HttpExchange exchange, Principal principal) {
        Map<String, String> q = query(exchange);
        ReportPeriod period = period(q);
        Caller caller = caller(principal);
        String creatorId = q.getOrDefault("creatorId", principal.id());
        DashboardQuery query = DashboardQuery.of(period).limits(10, 10, 10).in(zone(q));
        String modelId = q.get("modelId");
        if (modelId != null && !modelId.isEmpty()) {
            query = query.forModel(modelId);
        }
        DashboardQuery filtered;
        try {
            filtered = query.filter(new ReportFilter(new LinkedHashSet<>(list(q, "models")),
                    new LinkedHashSet<>(list(q, "usageType"))));
        } catch (RuntimeException e) {
            throw asParameters(e);
        }
        Map<String, Object> out;
        try {
            out = JsonView.dashboard(earnings.analytics().creatorDashboard(caller, creatorId, filtered));
        } catch (RuntimeException e) {
            throw asParameters(e);
        }
        out.put("modelIds", modelIds(creatorId));
        return out;
    }

    /**
     * A refusal of the filter as the query named it: the library calls the sets {@code modelIds}
     * and {@code usageTypes}, the query's parameters are {@code models} and {@code usageType}.
     */
    private static RuntimeException asParameters(RuntimeException e) {
        Optional<HttpProblem> problem = HttpProblem.of(e);
        if (problem.isEmpty()) {
            return e;
        }
        HttpProblem p = problem.get();
        String field = p.field().equals("usageTypes") ? "usageType" : p.field().equals("modelIds") ? "models" : p.field();
        return field.equals(p.field()) ? e : new HttpError(p.status(), field, p.message());
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

    // ------------------------------------------------------------------ insights

    /**
     * A forecast for the next {@code days} (7, 30 or 90) whole days of {@code zone}: one model's
     * with {@code modelId}, or all of the creator's models together.
     */
    private Object forecast(HttpExchange exchange, Principal principal) {
        Caller caller = caller(principal);
        Map<String, String> q = query(exchange);
        int days = integer(q, "days", 30);
        if (!FORECAST_DAYS.contains(days)) {
            throw new HttpError(400, "days", "days is " + days + "; allowed: 7, 30 or 90");
        }
        ZoneId zone = zone(q);
        Optional<String> modelId = present(q, "modelId");
        Forecast forecast = modelId.isPresent() ? earnings.insights().forecastModel(caller, modelId.get(), days, zone)
                : earnings.insights().forecastCreator(caller, creatorId(q, principal), days, zone);
        return JsonView.forecast(forecast);
    }

    /** Two or more of the creator's models, {@code models=a,b}, side by side over the period in the zone. */
    private Object compare(HttpExchange exchange, Principal principal) {
        Caller caller = caller(principal);
        Map<String, String> q = query(exchange);
        List<String> models = list(q, "models");
        if (models.isEmpty()) {
            throw new HttpError(400, "models", "models is required: two or more of the creator's model ids, comma-separated");
        }
        try {
            return JsonView.comparison(earnings.insights().compareModels(caller, creatorId(q, principal), models,
                    period(q).in(zone(q))));
        } catch (RuntimeException e) {
            throw asParameters(e);
        }
    }

    /** The platform's patterns over the period in the zone; a creator's figures are k-anonymized. */
    private Object market(HttpExchange exchange, Principal principal) {
        Caller caller = caller(principal);
        Map<String, String> q = query(exchange);
        return JsonView.market(earnings.insights().market(caller, period(q).in(zone(q))));
    }

    /**
     * A creator's monthly goals: {@code GET} lists them, {@code POST} sets one
     * ({@code month}, {@code zone}, {@code target} as a decimal string), {@code DELETE} below the
     * path deletes a month's.
     */
    private Object goals(HttpExchange exchange, Principal principal) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        if (!path.equals("/api/insights/goals")) {
            String month = path.substring("/api/insights/goals/".length());
            if (!path.startsWith("/api/insights/goals/") || month.contains("/") || month.isEmpty()) {
                AccessLog.template(exchange, "/api/insights/goals/*");
                throw new HttpError(404, "path", "no such endpoint");
            }
            AccessLog.template(exchange, "/api/insights/goals/{month}");
            if (!method.equals("DELETE")) {
                throw methodNotAllowed(exchange, List.of("DELETE"));
            }
            Caller caller = caller(principal);
            boolean deleted = earnings.insights().deleteGoal(caller, creatorId(query(exchange), principal),
                    month(month));
            return Map.of("deleted", deleted);
        }
        if (method.equals("DELETE")) {
            throw methodNotAllowed(exchange, List.of("GET", "POST"));
        }
        Caller caller = caller(principal);
        if (method.equals("GET")) {
            List<Map<String, Object>> goals = new ArrayList<>();
            earnings.insights().goals(caller, creatorId(query(exchange), principal)).forEach(g -> goals.add(JsonView.goal(g)));
            return Map.of("goals", goals);
        }
        JsonRequest body = body(exchange).onlyFields("a goal", GOAL_FIELDS);
        String creatorId = body.optionalText("creatorId").orElseGet(() -> creatorId(Map.of(), principal));
        YearMonth month = month(body.text("month"));
        ZoneId zone = zone(body.optionalText("zone").orElse(""));
        BigDecimal target = body.decimal("target").orElseThrow(() -> new HttpError(400, "target",
                "target is required: the month's earnings aimed at, a decimal in a string such as \"100.00\""));
        return JsonView.goal(earnings.insights().setGoal(caller, creatorId, month, zone, target));
    }

    /** The creator's alerts of the period's days, newest first. */
    private Object alerts(HttpExchange exchange, Principal principal) {
        Caller caller = caller(principal);
        Map<String, String> q = query(exchange);
        List<Map<String, Object>> alerts = new ArrayList<>();
        earnings.insights().alerts(caller, creatorId(q, principal), period(q).in(zone(q)))
                .forEach(a -> alerts.add(JsonView.alert(a)));
        return Map.of("alerts", alerts);
    }

    /** What the creator could do now, each with its reason. */
    private Object recommendations(HttpExchange exchange, Principal principal) {
        Caller caller = caller(principal);
        List<Map<String, Object>> recommendations = new ArrayList<>();
        earnings.insights().recommendations(caller, creatorId(query(exchange), principal))
                .forEach(r -> recommendations.add(JsonView.recommendation(r)));
        return Map.of("recommendations", recommendations);
    }

    /** Checks a completed UTC day, {@code {"day":"2026-11-29"}}, for alerts now: admins only. */
    private Object checkAlerts(HttpExchange exchange, Principal principal) throws IOException {
        Caller caller = admin(principal, "only admins check days for alerts");
        JsonRequest body = body(exchange).onlyFields("a check", Set.of("day"));
        LocalDate day;
        try {
            day = LocalDate.parse(body.text("day"));
        } catch (DateTimeParseException e) {
            throw new HttpError(400, "day", "day must be a date such as 2026-11-29");
        }
        List<Map<String, Object>> alerts = new ArrayList<>();
        earnings.insights().checkAlerts(caller, day).forEach(a -> alerts.add(JsonView.alert(a)));
        return Map.of("alerts", alerts);
    }

    /**
     * Whose data: a creator's own unless the query names another creator (which the library
     * refuses them); an admin names the creator.
     */
    private static String creatorId(Map<String, String> q, Principal principal) {
        Optional<String> named = present(q, "creatorId");
        if (named.isPresent()) {
            return named.get();
        }
        if (principal.role() == Role.ADMIN) {
            throw new HttpError(400, "creatorId", "creatorId is required: an admin names the creator");
        }
        return principal.id();
    }

    private Object adminTotals(HttpExchange exchange, Principal principal) {
        return JsonView.platformTotals(earnings.admin().platformTotals(caller(principal), period(query(exchange))));
    }

    private Object adminCreators(HttpExchange exchange, Principal principal) {
        Map<String, String> q = query(exchange);
        CreatorOverview.Sort sort;
        try {
            sort = CreatorOverview.Sort.valueOf(q.getOrDefault("sort", "LIFETIME_EARNINGS").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "sort", "sort must be one of " + List.of(CreatorOverview.Sort.values()));
        }
        Page<CreatorOverview> page = earnings.admin().creatorsOverview(caller(principal), CreatorsOverviewQuery.of(period(q)).sortedBy(sort, !"asc".equals(q.get("direction"))).page(integer(q, "page", 0), integer(q, "size", 50)));
        return JsonView.creatorsOverview(page);
    }

    private Object adminPayouts(HttpExchange exchange, Principal principal) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String[] parts = path.split("/");
        boolean transition = parts.length == 6 && parts[5].matches("complete|fail|cancel");
        AccessLog.template(exchange, path.equals("/api/admin/payouts") || path.equals("/api/admin/payouts/bulk") ? path
                : transition ? "/api/admin/payouts/{id}/" + parts[5] : "/api/admin/payouts/*");
        Caller caller = caller(principal);
        JsonRequest body = body(exchange);
        if (path.equals("/api/admin/payouts")) {
            return JsonView.payout(earnings.payouts().create(caller, PayoutRequest.of(body.text("creatorId"),
                    body.wholeNumber("amountMinor"), body.text("reference")).note(body.optionalText("note").orElse(null))));
        }
        if (path.equals("/api/admin/payouts/bulk")) {
            BulkPayoutResult result = earnings.payouts().payoutAll(caller, BulkPayoutRequest.of(body.text("batchReference"))
                    .threshold(body.wholeNumber("thresholdMinor")).dryRun(body.bool("dryRun", true)));
            return JsonView.bulkPayout(result);
        }
        if (transition) {
            long id;
            try {
                id = Long.parseLong(parts[4]);
            } catch (NumberFormatException e) {
                throw new HttpError(400, "payoutId", "the payout id must be a number");
            }
            String reason = body.optionalText("reason").orElse(null);
            Payout p = parts[5].equals("complete") ? earnings.payouts().complete(caller, id, reason)
                    : parts[5].equals("fail") ? earnings.payouts().fail(caller, id, reason)
                    : earnings.payouts().cancel(caller, id, reason);
            return JsonView.payout(p);
        }
        throw new HttpError(404, "path", "no such payout action: " + path);
    }

    /**
     * Reverses part or all of a use, as for a refund or a chargeback: {@code eventId},
     * {@code correctionId} and {@code reason} are required; {@code amount}, a decimal string, is
     * what to take back, and all that remains of the use when it is absent. The answer is the
     * reversal (marked {@code replayed} when the correction id was already used for the same
     * request, which reverses nothing twice) and the creator's balance as it stands now.
     *
     * <p>A reversal takes money back from a creator, so anyone but an admin is refused before the
     * body is read: a creator learns nothing about another's uses from how their request fails.
     */
    private Object adminReverse(HttpExchange exchange, Principal principal) throws IOException {
        Caller caller = admin(principal, "only admins reverse uses");
        JsonRequest body = body(exchange).onlyFields("a reversal", REVERSAL_FIELDS);
        // No amount: all that remains of the use.
        ReversalRequest request = new ReversalRequest(body.text("eventId"), body.decimal("amount"), body.text("correctionId"),
                body.text("reason"));
        Reversal r = earnings.reversals().reverse(caller, request);
        Map<String, Object> out = JsonView.reversal(r);
        out.put("balance", JsonView.balance(earnings.analytics().balance(caller, r.creatorId())));
        return out;
    }

    /**
     * A page of the audit log, newest first. Its filters are the query's {@code actor},
     * {@code action}, {@code targetType} and {@code targetId}, and {@code from} and {@code to}
     * (instants in UTC, {@code to} excluded); {@code page} counts from 0, {@code size} entries a
     * page (50 unless given). An empty parameter is no filter, which is what a form's empty field
     * sends.
     */
    private Object adminAuditLog(HttpExchange exchange, Principal principal) {
        Caller caller = caller(principal);
        Map<String, String> q = query(exchange);
        Optional<AuditAction> action;
        try {
            action = present(q, "action").map(a -> AuditAction.valueOf(a.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "action", "action must be one of " + List.of(AuditAction.values()));
        }
        AuditQuery query = new AuditQuery(present(q, "actor"), action, present(q, "targetType"), present(q, "targetId"),
                instant(q, "from"), instant(q, "to"), integer(q, "page", 0), integer(q, "size", AUDIT_PAGE_SIZE));
        return JsonView.auditLog(earnings.admin().auditLog(caller, query));
    }

    /**
     * A webhook endpoint for admins: what {@link Webhooks} shows (the delivery attempts, the events
     * received, the consumer's status) or does (the replay, which takes no body: it does the same
     * every time); anyone else is refused first.
     */
    private static Handler adminOnly(Supplier<Object> answer) {
        return (exchange, principal) -> {
            admin(principal, "webhook deliveries and events are for admins alone");
            return answer.get();
        };
    }

    /**
     * The app's own webhook receiver: verified, or 401; a repeated event is answered as taken
     * ({@code "repeat": true}) and not taken twice.
     */
    private Object receiveWebhook(HttpExchange exchange) throws IOException {
        Headers headers = exchange.getRequestHeaders();
        String eventId = headers.getFirst(WebhookHeaders.EVENT_ID);
        boolean taken = webhooks.receiver().receive(eventId, headers.getFirst(WebhookHeaders.TIMESTAMP),
                headers.getFirst(WebhookHeaders.SIGNATURE), bytes(exchange));
        return Map.of("eventId", eventId, "repeat", !taken);
    }

    // ------------------------------------------------------------------ JSON

    /** A query parameter that is present and not empty. */
    private static Optional<String> present(Map<String, String> q, String name) {
        String value = q.get(name);
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    private static Optional<Instant> instant(Map<String, String> q, String name) {
        try {
            return present(q, name).map(Instant::parse);
        } catch (DateTimeParseException e) {
            throw new HttpError(400, name, name + " must be an instant in UTC, as in 2026-03-01T00:00:00Z");
        }
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

    /** The query's comma-separated values of a parameter, blanks left out; empty when absent. */
    private static List<String> list(Map<String, String> q, String name) {
        return present(q, name).map(v -> Arrays.stream(v.split(",", -1)).map(String::strip).filter(s -> !s.isEmpty())
                .toList()).orElse(List.of());
    }

    /** The query's IANA time zone, UTC when absent. */
    private static ZoneId zone(Map<String, String> q) {
        return zone(q.getOrDefault("zone", ""));
    }

    private static ZoneId zone(String id) {
        if (id.isEmpty()) {
            return ZoneOffset.UTC;
        }
        try {
            return ZoneId.of(id);
        } catch (DateTimeException e) {
            throw new HttpError(400, "zone", "zone is '" + id + "'; allowed: an IANA time zone such as Europe/Paris");
        }
    }

    private static YearMonth month(String value) {
        try {
            return YearMonth.parse(value);
        } catch (DateTimeParseException e) {
            throw new HttpError(400, "month", "month must be a month such as 2026-12");
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
}
