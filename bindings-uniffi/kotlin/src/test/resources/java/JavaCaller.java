import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import payquery.Attempt;
import payquery.CertificateDownload;
import payquery.Client;
import payquery.Config;
import payquery.FubeiConfig;
import payquery.FubeiQuery;
import payquery.HandledNotification;
import payquery.Header;
import payquery.HostKt;
import payquery.NotificationRejectedException;
import payquery.NotificationRequest;
import payquery.PayqueryException;
import payquery.PayqueryExceptionsKt;
import payquery.PayqueryNotifications;
import payquery.PayqueryQuery;
import payquery.Query;
import payquery.Secret;

/**
 * What a Java caller writes: `catch (PayqueryException e)` around each entry point. javac refuses
 * a catch of a checked exception the body cannot throw, so this compiles only while every
 * entry point declares @Throws(PayqueryException.class). TypeCheckTest compiles and runs it.
 */
public final class JavaCaller {
    public static String run() {
        StringBuilder codes = new StringBuilder();
        try {
            HostKt.configFromJson("{\"provider\":\"fubei\",\"app_id\":1}", null);
        } catch (PayqueryException e) {
            codes.append(PayqueryExceptionsKt.getCode(e)).append(' ');
        }
        try {
            Client client = HostKt.fromJson(Client.Companion, "{\"provider\":\"fubei\",\"app_id\":\"1\",\"app_secret\":\"s\"}", null);
            Query query = HostKt.queryFromJson(client, "{\"merchant_order_sn\":\"A\"}");
            HostKt.buildQuery(client, query, Instant.now(), "\r\n");
        } catch (PayqueryException e) {
            codes.append(PayqueryExceptionsKt.getCode(e)).append(' ');
        }
        try {
            HostKt.fromConfigFile(Client.Companion, "/nonexistent/payquery.json");
        } catch (PayqueryException e) {
            codes.append(PayqueryExceptionsKt.getCode(e)).append(' ');
        }
        try {
            Client client = HostKt.fromJson(Client.Companion, "{\"provider\":\"fubei\",\"app_id\":\"1\",\"app_secret\":\"s\"}", null);
            PayqueryQuery.queryBlocking(client, HostKt.queryFromJson(client, "{\"merchant_order_sn\":\"A\"}"), java.time.Duration.ofMillis(-1));
        } catch (PayqueryException e) {
            codes.append(PayqueryExceptionsKt.getCode(e)).append(' ');
        }
        try {
            // Platform certificates need a WeChat Pay config with api_v3_key.
            Client client = HostKt.fromJson(Client.Companion, "{\"provider\":\"fubei\",\"app_id\":\"1\",\"app_secret\":\"s\"}", null);
            CertificateDownload download = PayqueryQuery.downloadCertificatesBlocking(client);
            codes.append(download.getCertificates().size());
        } catch (PayqueryException e) {
            codes.append(PayqueryExceptionsKt.getCode(e));
        }
        return codes.toString();
    }

    /**
     * The typed API from Java: a config's constructor (no unsigned member makes it private),
     * every option `query` has, and an attempt's status and duration by their plain getters.
     * The port refuses the connection: one attempt, a NETWORK_ERROR.
     */
    public static String typed() {
        FubeiConfig config = new FubeiConfig("1", new Secret("s"), "http://127.0.0.1:1", null, 4096L);
        Client client = new Client(new Config.Fubei(config));
        Query query = new Query.Fubei(new FubeiQuery("A1", null, null));
        try {
            PayqueryQuery.queryBlocking(client, query, Duration.ofSeconds(2), Duration.ofSeconds(5), false, null,
                PayqueryQuery.getDefaultHttpClient(), 1, List.of(Duration.ofSeconds(1)), Duration.ofSeconds(3));
            return "no error";
        } catch (PayqueryException e) {
            List<Attempt> attempts = PayqueryExceptionsKt.getAttempts(e);
            Attempt first = attempts.get(0);
            Integer status = first.getHttpStatus();
            long duration = first.getDurationMs();
            return PayqueryExceptionsKt.getCode(e) + " " + attempts.size() + " " + status + " " + (duration >= 0)
                + " " + config.getMaxResponseBytes();
        }
    }

    /**
     * A notification from Java: handleNotificationBlocking declares NotificationRejectedException
     * (javac refuses the catch otherwise), whose reply is sent all the same.
     */
    public static String notifications() throws PayqueryException {
        Client client = HostKt.fromJson(Client.Companion, "{\"provider\":\"fubei\",\"app_id\":\"1\",\"app_secret\":\"s\"}", null);
        NotificationRequest request = new NotificationRequest("POST",
            List.of(new Header("Content-Type", "application/x-www-form-urlencoded")),
            "result_code=200&result_message=&data=%7B%7D&sign=00".getBytes(StandardCharsets.UTF_8));
        try {
            HandledNotification handled = PayqueryNotifications.handleNotificationBlocking(client, request);
            return "accepted " + handled.getNotification().getId();
        } catch (NotificationRejectedException e) {
            return PayqueryExceptionsKt.getCode(e.getError()) + " " + e.getReply().getStatus() + " " + e.getReply().getBody();
        }
    }
}
