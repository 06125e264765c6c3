package dev.earnings.spring;

import static dev.earnings.spring.EarningsHttpSuite.ADA;
import static dev.earnings.spring.EarningsHttpSuite.ADMIN;
import static dev.earnings.spring.EarningsHttpSuite.TRACK;
import static dev.earnings.spring.EarningsHttpSuite.TRACKER;
import static dev.earnings.spring.EarningsHttpSuite.goal;
import static dev.earnings.spring.EarningsHttpSuite.payout;
import static dev.earnings.spring.EarningsHttpSuite.reversal;
import static dev.earnings.spring.EarningsHttpSuite.use;

import dev.earnings.spring.EarningsHttpSuite.Who;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The bad requests {@link EarningsHttpSuite} sends each endpoint, as the example host app's HTTP
 * tests send its own: each with the status and the field its refusal must name. They run on the
 * suite's shared application, whose creators ada and bob have ten uses each ({@code ada-use-0} to
 * {@code ada-use-9}) and whose admin made ada a payout with the reference
 * {@code pending-for-bad-input}, with a second model each, {@code ada-second} and
 * {@code bob-second}, for comparisons. Its clock stands on 2026-03-10 (UTC).
 */
final class BadRequests {
    private BadRequests() {
    }

    /** A bad request: who sends it, how, and the status and field of its refusal. */
    record Bad(Who who, String method, String path, String contentType, byte[] body, int status, String field) {
    }

    /** Bad requests to one endpoint, from a caller who may call it. */
    record Endpoint(String name, Who who, String method, String path) {
        /** A bad body, named by what is wrong with it. */
        Arguments body(String what, String body, int status, String field) {
            return Arguments.of(name + ": " + what, new Bad(who, method, path, "application/json",
                    body.getBytes(StandardCharsets.UTF_8), status, field));
        }

        /** A bad query string. */
        Arguments query(String query, int status, String field) {
            return Arguments.of(name + ": " + query, new Bad(who, method, path + "?" + query, null, null, status, field));
        }

        /**
         * What every endpoint that reads a body refuses alike, spoiling its good body {@code ok},
         * whose first member {@code repeated} repeats.
         */
        Stream<Arguments> spoiled(String ok, String repeated) {
            return Stream.of(
                    body("malformed JSON", ok.substring(0, ok.indexOf(':') + 1), 400, "body"),
                    body("not an object", "[1,2]", 400, "body"),
                    body("an empty body", "", 400, "body"),
                    body("a repeated key", repeated, 400, "body"),
                    body("a second JSON value after the object", ok + "{}", 400, "body"),
                    body("trailing garbage", ok + "x", 400, "body"),
                    body("nested too deeply", with(ok, "\"deep\":" + "{\"a\":".repeat(20) + "1" + "}".repeat(20)), 400, "body"),
                    body("an unknown field", with(ok, "\"unknownField\":1"), 400, "unknownField"));
        }
    }

    static String with(String body, String member) {
        return body.substring(0, body.length() - 1) + "," + member + "}";
    }

    static Stream<Arguments> tracks() {
        Endpoint track = new Endpoint("track", TRACKER, "POST", TRACK);
        String ok = use("bad-track", "ada-model", "user-bad", 120, "chat");
        return Stream.concat(track.spoiled(ok, "{\"userId\":\"user-2\"," + ok.substring(1)), Stream.of(
                track.body("a repeated key in metadata", ok.replace("{\"session\":\"s-1\"}", "{\"a\":1,\"a\":2}"), 400, "body"),
                track.body("missing userId", ok.replace("\"userId\":\"user-bad\",", ""), 400, "userId"),
                track.body("userId a number", ok.replace("\"user-bad\"", "7"), 400, "userId"),
                track.body("blank userId", ok.replace("user-bad", " "), 400, "userId"),
                track.body("missing modelId", ok.replace("\"modelId\":\"ada-model\",", ""), 400, "modelId"),
                track.body("an unknown model", ok.replace("ada-model", "no-such-model"), 404, "modelId"),
                track.body("missing usageType", ok.replace("\"usageType\":\"chat\",", ""), 400, "usageType"),
                track.body("an unknown usageType", ok.replace("\"chat\"", "\"video\""), 400, "usageType"),
                track.body("usageType a number", ok.replace("\"chat\"", "1"), 400, "usageType"),
                track.body("missing tokensConsumed", ok.replace("\"tokensConsumed\":120,", ""), 400, "tokensConsumed"),
                track.body("tokensConsumed a string", ok.replace("120", "\"120\""), 400, "tokensConsumed"),
                track.body("tokensConsumed 1.5", ok.replace("120", "1.5"), 400, "tokensConsumed"),
                track.body("tokensConsumed 120.0", ok.replace("120", "120.0"), 400, "tokensConsumed"),
                track.body("tokensConsumed below zero", ok.replace("120", "-5"), 400, "tokensConsumed"),
                track.body("tokensConsumed past a long", ok.replace("120", "99999999999999999999"), 400, "tokensConsumed"),
                track.body("metadata an array", ok.replace("{\"session\":\"s-1\"}", "[1]"), 400, "metadata"),
                track.body("metadata a string", ok.replace("{\"session\":\"s-1\"}", "\"s-1\""), 400, "metadata"),
                track.body("metadata too big", ok.replace("s-1", "x".repeat(9000)), 400, "metadata"),
                track.body("a metadata number past every limit", ok.replace("\"s-1\"", "1e400"), 400, "metadata"),
                track.body("blank eventId", ok.replace("bad-track", " "), 400, "eventId"),
                track.body("eventId a number", ok.replace("\"bad-track\"", "5"), 400, "eventId")));
    }

    static Stream<Arguments> payouts() {
        Endpoint payout = new Endpoint("payout", ADMIN, "POST", "/api/admin/payouts");
        String ok = payout("ada", 1, "bad-payout");
        return Stream.concat(payout.spoiled(ok, "{\"amountMinor\":2," + ok.substring(1)), Stream.of(
                payout.body("missing creatorId", ok.replace("\"creatorId\":\"ada\",", ""), 400, "creatorId"),
                payout.body("creatorId a number", ok.replace("\"ada\"", "7"), 400, "creatorId"),
                payout.body("blank creatorId", ok.replace("\"ada\"", "\" \""), 400, "creatorId"),
                payout.body("an unknown creator", ok.replace("\"ada\"", "\"nobody\""), 400, "creatorId"),
                payout.body("missing amountMinor", ok.replace("\"amountMinor\":1,", ""), 400, "amountMinor"),
                payout.body("amountMinor a string", ok.replace(":1,", ":\"1\","), 400, "amountMinor"),
                payout.body("amountMinor 1.5", ok.replace(":1,", ":1.5,"), 400, "amountMinor"),
                payout.body("amountMinor 1.0", ok.replace(":1,", ":1.0,"), 400, "amountMinor"),
                payout.body("amountMinor 0", ok.replace(":1,", ":0,"), 400, "amountMinor"),
                payout.body("amountMinor below zero", ok.replace(":1,", ":-1,"), 400, "amountMinor"),
                payout.body("amountMinor past a long", ok.replace(":1,", ":99999999999999999999,"), 400, "amountMinor"),
                payout.body("more than is available", ok.replace(":1,", ":100000000,"), 409, "amountMinor"),
                payout.body("missing reference", ok.replace("\"reference\":\"bad-payout\",", ""), 400, "reference"),
                payout.body("reference a number", ok.replace("\"bad-payout\"", "5"), 400, "reference"),
                payout.body("blank reference", ok.replace("bad-payout", " "), 400, "reference"),
                payout.body("a reference already used for another amount", payout("ada", 2, "pending-for-bad-input"), 400,
                        "reference"),
                payout.body("note a number", ok.replace("\"a note\"", "5"), 400, "note"),
                payout.body("a note too long", ok.replace("a note", "x".repeat(2001)), 400, "note")));
    }

    static Stream<Arguments> bulkPayouts() {
        Endpoint bulk = new Endpoint("bulk", ADMIN, "POST", "/api/admin/payouts/bulk");
        String ok = "{\"batchReference\":\"bad-batch\",\"thresholdMinor\":1,\"dryRun\":true}";
        return Stream.concat(bulk.spoiled(ok, "{\"dryRun\":false," + ok.substring(1)), Stream.of(
                bulk.body("missing batchReference", ok.replace("\"batchReference\":\"bad-batch\",", ""), 400, "batchReference"),
                bulk.body("batchReference a number", ok.replace("\"bad-batch\"", "5"), 400, "batchReference"),
                bulk.body("blank batchReference", ok.replace("bad-batch", " "), 400, "batchReference"),
                bulk.body("missing thresholdMinor", ok.replace("\"thresholdMinor\":1,", ""), 400, "thresholdMinor"),
                bulk.body("thresholdMinor a string", ok.replace(":1,", ":\"1\","), 400, "thresholdMinor"),
                bulk.body("thresholdMinor 1.5", ok.replace(":1,", ":1.5,"), 400, "thresholdMinor"),
                bulk.body("thresholdMinor 0", ok.replace(":1,", ":0,"), 400, "thresholdMinor"),
                bulk.body("dryRun a string", ok.replace("true", "\"false\""), 400, "dryRun"),
                bulk.body("dryRun a number", ok.replace("true", "0"), 400, "dryRun")));
    }

    /** Bad transitions of a pending payout and of a completed one. */
    static Stream<Arguments> transitions(long pending, long completed) {
        Endpoint fail = new Endpoint("fail", ADMIN, "POST", "/api/admin/payouts/" + pending + "/fail");
        String ok = "{\"reason\":\"bad input\"}";
        return Stream.concat(fail.spoiled(ok, "{\"reason\":\"a\",\"reason\":\"b\"}"), Stream.of(
                fail.body("reason a number", "{\"reason\":5}", 400, "reason"),
                fail.body("no reason", "{}", 400, "reason"),
                fail.body("a blank reason", "{\"reason\":\" \"}", 400, "reason"),
                fail.body("a reason too long", "{\"reason\":\"" + "x".repeat(2001) + "\"}", 400, "reason"),
                at("/api/admin/payouts/" + pending + "/complete").body("reason a number", "{\"reason\":5}", 400, "reason"),
                at("/api/admin/payouts/abc/complete").body("an id that is no number", ok, 400, "payoutId"),
                at("/api/admin/payouts/99999999999999999999/complete").body("an id past a long", ok, 400, "payoutId"),
                at("/api/admin/payouts/987654321/complete").body("an id of no payout", ok, 400, "payoutId"),
                at("/api/admin/payouts/" + pending + "/explode").body("an action that is none", ok, 404, "path"),
                at("/api/admin/payouts/" + completed + "/complete").body("a completed payout", ok, 409, "status"),
                at("/api/admin/payouts/" + completed + "/cancel").body("a completed payout", ok, 409, "status")));
    }

    private static Endpoint at(String path) {
        return new Endpoint("POST " + path, ADMIN, "POST", path);
    }

    static Stream<Arguments> reversals() {
        Endpoint reversal = new Endpoint("reversal", ADMIN, "POST", "/api/admin/reversals");
        String ok = reversal("ada-use-1", "0.001", "bad-reversal");
        return Stream.concat(reversal.spoiled(ok, "{\"amount\":\"0.002\"," + ok.substring(1)), Stream.of(
                reversal.body("a misspelt amount, which would reverse the whole use", ok.replace("\"amount\"", "\"amout\""), 400,
                        "amout"),
                reversal.body("amount a JSON number", ok.replace("\"0.001\"", "0.001"), 400, "amount"),
                reversal.body("amount a JSON integer", ok.replace("\"0.001\"", "1"), 400, "amount"),
                reversal.body("amount with an exponent", ok.replace("0.001", "1e-3"), 400, "amount"),
                reversal.body("a negative amount", ok.replace("0.001", "-0.001"), 400, "amount"),
                reversal.body("an empty amount", ok.replace("0.001", ""), 400, "amount"),
                reversal.body("an amount with spaces", ok.replace("0.001", " 0.001"), 400, "amount"),
                reversal.body("an amount with a comma", ok.replace("0.001", "0,001"), 400, "amount"),
                reversal.body("a zero amount", ok.replace("0.001", "0.000"), 400, "amount"),
                reversal.body("thirteen decimal places", ok.replace("0.001", "0.0000000000001"), 400, "amount"),
                reversal.body("an amount past every use", ok.replace("0.001", "1" + "0".repeat(26)), 400, "amount"),
                reversal.body("more than remains", ok.replace("0.001", "1000"), 409, "amount"),
                reversal.body("missing eventId", ok.replace("\"eventId\":\"ada-use-1\",", ""), 400, "eventId"),
                reversal.body("eventId a number", ok.replace("\"ada-use-1\"", "20"), 400, "eventId"),
                reversal.body("blank eventId", ok.replace("ada-use-1", " "), 400, "eventId"),
                reversal.body("an eventId of no use", ok.replace("ada-use-1", "no-such-use"), 400, "eventId"),
                reversal.body("missing correctionId", ok.replace(",\"correctionId\":\"bad-reversal\"", ""), 400, "correctionId"),
                reversal.body("correctionId a number", ok.replace("\"bad-reversal\"", "5"), 400, "correctionId"),
                reversal.body("blank correctionId", ok.replace("bad-reversal", " "), 400, "correctionId"),
                reversal.body("missing reason", ok.replace(",\"reason\":\"a test refund\"", ""), 400, "reason"),
                reversal.body("reason a number", ok.replace("\"a test refund\"", "5"), 400, "reason"),
                reversal.body("blank reason", ok.replace("a test refund", " "), 400, "reason"),
                reversal.body("a reason too long", ok.replace("a test refund", "x".repeat(2001)), 400, "reason")));
    }

    static Stream<Arguments> queries() {
        Endpoint analytics = new Endpoint("a creator's analytics", ADA, "GET", "/api/creator-analytics");
        Endpoint anyAnalytics = new Endpoint("an admin's analytics", ADMIN, "GET", "/api/creator-analytics");
        Endpoint totals = new Endpoint("totals", ADMIN, "GET", "/api/admin/totals");
        Endpoint creators = new Endpoint("creators", ADMIN, "GET", "/api/admin/creators");
        Endpoint audit = new Endpoint("audit log", ADMIN, "GET", "/api/admin/audit-log");
        return Stream.of(
                analytics.query("period=week", 400, "period"),
                analytics.query("period=14", 400, "period"),
                analytics.query("period=1.5", 400, "period"),
                analytics.query("period=-30", 400, "period"),
                analytics.query("period=99999999999", 400, "period"),
                analytics.query("modelId=bob-model", 403, "caller"),
                // An admin's own id is no creator's.
                anyAnalytics.query("period=30", 400, "creatorId"),
                anyAnalytics.query("creatorId=nobody", 400, "creatorId"),
                anyAnalytics.query("creatorId=ada&modelId=no-such-model", 404, "modelId"),
                anyAnalytics.query("creatorId=ada&modelId=bob-model", 400, "modelId"),
                totals.query("period=x", 400, "period"),
                totals.query("period=14", 400, "period"),
                totals.query("period=0", 400, "period"),
                creators.query("sort=nonsense", 400, "sort"),
                creators.query("direction=up", 400, "direction"),
                creators.query("direction=ASC", 400, "direction"),
                creators.query("period=week", 400, "period"),
                creators.query("page=x", 400, "page"),
                creators.query("page=-1", 400, "page"),
                creators.query("page=1.5", 400, "page"),
                creators.query("page=99999999999", 400, "page"),
                creators.query("size=0", 400, "pageSize"),
                creators.query("size=501", 400, "pageSize"),
                creators.query("size=ten", 400, "size"),
                audit.query("action=NOPE", 400, "action"),
                audit.query("from=yesterday", 400, "from"),
                audit.query("to=2026-03-10", 400, "to"),
                audit.query("from=2026-03-10T12:00:01Z&to=2026-03-10T12:00:00Z", 400, "to"),
                audit.query("from=2026-03-10T12:00:00Z&to=2026-03-10T12:00:00Z", 400, "to"),
                audit.query("targetId=1", 400, "targetId"),
                audit.query("actor=%20", 400, "actor"),
                audit.query("actor=" + "a".repeat(300), 400, "actor"),
                audit.query("page=-1", 400, "page"),
                audit.query("page=x", 400, "page"),
                audit.query("page=99999999999", 400, "page"),
                audit.query("size=0", 400, "pageSize"),
                audit.query("size=1001", 400, "pageSize"),
                audit.query("size=ten", 400, "size"));
    }

    /** The insights' query parameters, and the new ones of a creator's analytics. */
    static Stream<Arguments> insightQueries() {
        Endpoint forecast = new Endpoint("a creator's forecast", ADA, "GET", "/api/insights/forecast");
        Endpoint anyForecast = new Endpoint("an admin's forecast", ADMIN, "GET", "/api/insights/forecast");
        Endpoint compare = new Endpoint("a creator's comparison", ADA, "GET", "/api/insights/compare");
        Endpoint anyCompare = new Endpoint("an admin's comparison", ADMIN, "GET", "/api/insights/compare");
        Endpoint market = new Endpoint("market", ADA, "GET", "/api/insights/market");
        Endpoint alerts = new Endpoint("alerts", ADA, "GET", "/api/insights/alerts");
        Endpoint anyGoals = new Endpoint("an admin's goals", ADMIN, "GET", "/api/insights/goals");
        Endpoint anyRecommendations = new Endpoint("an admin's recommendations", ADMIN, "GET", "/api/insights/recommendations");
        Endpoint analytics = new Endpoint("a creator's analytics", ADA, "GET", "/api/creator-analytics");
        String pair = "models=ada-model,ada-second";
        return Stream.of(
                forecast.query("days=14", 400, "days"),
                forecast.query("days=1", 400, "days"),
                forecast.query("days=365", 400, "days"),
                forecast.query("days=week", 400, "days"),
                forecast.query("days=7.5", 400, "days"),
                forecast.query("zone=Mars/Olympus", 400, "zone"),
                forecast.query("zone=%20", 400, "zone"),
                forecast.query("zone=+25:00", 400, "zone"),
                forecast.query("modelId=bob-model", 403, "caller"),
                forecast.query("creatorId=bob&modelId=ada-model", 403, "caller"),
                forecast.query("creatorId=bob", 403, "caller"),
                // An admin's own id is no creator's.
                anyForecast.query("days=7", 400, "creatorId"),
                anyForecast.query("modelId=no-such-model", 404, "modelId"),
                anyForecast.query("creatorId=ada&modelId=bob-model", 400, "modelId"),
                compare.query("period=30", 400, "models"),
                compare.query("models=ada-model", 400, "models"),
                compare.query("models=ada-model,ada-model", 400, "models"),
                compare.query("models=ada-model,,ada-second", 400, "models"),
                compare.query("models=ada-model,ada-second,", 400, "models"),
                compare.query("models=a,b,c,d,e,f,g,h,i,j,k", 400, "models"),
                compare.query(pair + "&period=14", 400, "period"),
                compare.query(pair + "&zone=Nowhere/Land", 400, "zone"),
                compare.query("models=ada-model,bob-model", 403, "caller"),
                compare.query(pair + "&creatorId=bob", 403, "caller"),
                anyCompare.query("creatorId=ada&models=ada-model,no-such-model", 404, "modelId"),
                anyCompare.query("creatorId=nobody&models=ada-model,ada-second", 400, "creatorId"),
                market.query("period=14", 400, "period"),
                market.query("period=x", 400, "period"),
                market.query("zone=Nowhere/Land", 400, "zone"),
                alerts.query("period=14", 400, "period"),
                alerts.query("zone=Nowhere/Land", 400, "zone"),
                alerts.query("creatorId=bob", 403, "caller"),
                anyGoals.query("creatorId=", 400, "creatorId"),
                anyGoals.query("creatorId=nobody", 400, "creatorId"),
                anyRecommendations.query("creatorId=", 400, "creatorId"),
                analytics.query("zone=Mars/Olympus", 400, "zone"),
                analytics.query("zone=UTC+99", 400, "zone"),
                analytics.query("usageType=video", 400, "usageType"),
                analytics.query("usageType=chat,,other", 400, "usageType"),
                analytics.query("usageType=" + "x".repeat(65), 400, "usageType"),
                analytics.query("models=ada-model,", 400, "models"),
                analytics.query("models=" + IntStream.rangeClosed(1, 101).mapToObj(i -> "m" + i).collect(Collectors.joining(",")), 400,
                        "models"),
                analytics.query("period=14&zone=Europe/Paris&usageType=chat&models=ada-model", 400, "period"));
    }

    /** Bad goals, and bad months of a goal to delete. */
    static Stream<Arguments> goals() {
        Endpoint goal = new Endpoint("goal", ADA, "POST", "/api/insights/goals");
        String ok = goal("2026-05", "Europe/Paris", "100.00", null);
        return Stream.concat(goal.spoiled(ok, "{\"target\":\"1.00\"," + ok.substring(1)), Stream.of(
                goal.body("missing month", ok.replace("\"month\":\"2026-05\",", ""), 400, "month"),
                goal.body("month a number", ok.replace("\"2026-05\"", "202605"), 400, "month"),
                goal.body("month 2026-13", ok.replace("2026-05", "2026-13"), 400, "month"),
                goal.body("month 2026/05", ok.replace("2026-05", "2026/05"), 400, "month"),
                goal.body("month 2026-5", ok.replace("2026-05", "2026-5"), 400, "month"),
                goal.body("month a day", ok.replace("2026-05", "2026-05-01"), 400, "month"),
                goal.body("month too far ahead", ok.replace("2026-05", "2040-01"), 400, "month"),
                goal.body("month too long ago", ok.replace("2026-05", "2016-02"), 400, "month"),
                goal.body("zone no zone", ok.replace("Europe/Paris", "Mars/Olympus"), 400, "zone"),
                goal.body("zone empty", ok.replace("Europe/Paris", ""), 400, "zone"),
                goal.body("zone a number", ok.replace("\"Europe/Paris\"", "1"), 400, "zone"),
                goal.body("missing target", ok.replace(",\"target\":\"100.00\"", ""), 400, "target"),
                goal.body("target a JSON number", ok.replace("\"100.00\"", "100.00"), 400, "target"),
                goal.body("target zero", ok.replace("100.00", "0.00"), 400, "target"),
                goal.body("target negative", ok.replace("100.00", "-1"), 400, "target"),
                goal.body("target with an exponent", ok.replace("100.00", "1e2"), 400, "target"),
                goal.body("target of thirteen places", ok.replace("100.00", "0.0000000000001"), 400, "target"),
                goal.body("target too large", ok.replace("100.00", "1" + "0".repeat(30)), 400, "target"),
                goal.body("creatorId a number", with(ok, "\"creatorId\":5"), 400, "creatorId"),
                goal.body("another creator's goal", with(ok, "\"creatorId\":\"bob\""), 403, "caller"),
                new Endpoint("an admin's goal", ADMIN, "POST", "/api/insights/goals").body("for no creator", ok, 400, "creatorId"),
                deletion("2026-13", 400, "month"),
                deletion("may", 400, "month"),
                deletion("2040-01", 400, "month"),
                deletion("2026-05?creatorId=bob", 403, "caller")));
    }

    private static Arguments deletion(String month, int status, String field) {
        String path = "/api/insights/goals/" + month;
        return Arguments.of("DELETE " + path, new Bad(ADA, "DELETE", path, null, null, status, field));
    }

    /** Bad checks of a day for alerts; the shared application's clock stands on 2026-03-10. */
    static Stream<Arguments> checks() {
        Endpoint check = new Endpoint("check", ADMIN, "POST", "/api/admin/insights/check");
        String ok = "{\"day\":\"2026-03-09\"}";
        return Stream.concat(check.spoiled(ok, "{\"day\":\"2026-03-08\",\"day\":\"2026-03-09\"}"), Stream.of(
                check.body("missing day", "{}", 400, "day"),
                check.body("day a number", "{\"day\":20260309}", 400, "day"),
                check.body("day not a day", "{\"day\":\"yesterday\"}", 400, "day"),
                check.body("day 2026-02-30", "{\"day\":\"2026-02-30\"}", 400, "day"),
                check.body("today", "{\"day\":\"2026-03-10\"}", 400, "day"),
                check.body("tomorrow", "{\"day\":\"2026-03-11\"}", 400, "day"),
                check.body("ten years ago", "{\"day\":\"2016-01-01\"}", 400, "day"),
                new Endpoint("a creator's check", ADA, "POST", "/api/admin/insights/check").body("by a creator", ok, 403, "caller")));
    }
}
