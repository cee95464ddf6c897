package consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import kotlin.KotlinVersion;
import org.junit.jupiter.api.Test;
import payquery.Client;
import payquery.HostKt;
import payquery.OrderStatus;
import payquery.PayqueryException;
import payquery.PayqueryQuery;
import payquery.Query;
import payquery.QueryResult;

/** A Java user of dev.payquery:payquery-kotlin whose build pins kotlin-stdlib 1.9.25. */
class JavaConsumerTest {
    @Test
    void queriesTheSandboxWithKotlinStdlib1925() throws Exception {
        // The pin holds: this JVM runs payquery on the 1.9.25 stdlib, nothing newer.
        assertEquals("1.9.25", KotlinVersion.CURRENT.toString());
        File configs = Files.createTempDirectory("payquery-java-consumer").toFile();
        Process sandbox = new ProcessBuilder(System.getProperty("payquery.bin"), "sandbox", "--port", "0",
                "--write-configs", configs.getPath())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(sandbox.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertTrue(line != null && line.contains("listening on"), String.valueOf(line));
            for (String provider : new String[] {"wechatpay_edu_papay", "fubei", "wechat_mini_charge"}) {
                Client client = HostKt.fromConfigFile(Client.Companion, new File(configs, provider + ".json").getPath());
                String queryJson = Files.readString(new File(configs, provider + ".query.json").toPath());
                Query query = HostKt.queryFromJson(client, queryJson);
                QueryResult result = PayqueryQuery.queryBlocking(client, query, Duration.ofSeconds(10));
                assertEquals(OrderStatus.PAID, result.getOrder().getStatus(), provider);
            }
        } catch (PayqueryException e) {
            throw new AssertionError(e.getMessage(), e);
        } finally {
            sandbox.destroy();
            sandbox.waitFor();
        }
    }
}
