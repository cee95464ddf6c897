import java.time.Instant;
import payquery.Client;
import payquery.HostKt;
import payquery.PayqueryException;
import payquery.PayqueryExceptionsKt;
import payquery.PayqueryQuery;
import payquery.Query;

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
            codes.append(PayqueryExceptionsKt.getCode(e));
        }
        return codes.toString();
    }
}
