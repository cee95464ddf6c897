package payquery

import org.jetbrains.kotlin.cli.common.ExitCode
import org.jetbrains.kotlin.cli.jvm.K2JVMCompiler
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.ByteArrayOutputStream
import java.io.File
import java.io.PrintStream
import java.net.URLClassLoader
import java.nio.file.Files
import javax.tools.ToolProvider

/**
 * The typed API refuses what it should at compile time: each file in
 * src/test/resources/typecheck/ but Valid.kt must fail to compile against the bindings (a typo'd
 * query key, a missing config key, a number for an id, a provider's detail member read without
 * narrowing), and Valid.kt must compile. What Kotlin's types cannot express (a WeChat Pay query
 * given to a Fubei client: `Client` is not generic over its provider) is checked at run time.
 */
class TypeCheckTest {
    private val sources = File(ROOT, "bindings-uniffi/kotlin/src/test/resources/typecheck")

    private fun compile(file: File): Pair<ExitCode, String> {
        val out = ByteArrayOutputStream()
        val classes = Files.createTempDirectory("payquery-typecheck").toFile()
        val code =
            K2JVMCompiler().exec(
                PrintStream(out, true, Charsets.UTF_8),
                "-no-stdlib",
                "-no-reflect",
                "-classpath",
                System.getProperty("java.class.path"),
                "-d",
                classes.path,
                file.path,
            )
        return code to out.toString(Charsets.UTF_8)
    }

    @Test
    fun `the valid uses compile`() {
        val (code, output) = compile(File(sources, "Valid.kt"))
        assertEquals(ExitCode.OK, code, output)
    }

    @Test
    fun `each misuse is a compile error`() {
        val misuses = sources.listFiles { f -> f.name != "Valid.kt" }!!.sortedBy(File::getName)
        assertEquals(4, misuses.size)
        for (file in misuses) {
            val (code, output) = compile(file)
            assertEquals(ExitCode.COMPILATION_ERROR, code, "${file.name} compiled:\n$output")
            assertTrue("${file.name}:" in output && "error:" in output, output)
        }
    }

    @Test
    fun `a Java caller can catch PayqueryException from each entry point`() {
        val source = File(ROOT, "bindings-uniffi/kotlin/src/test/resources/java/JavaCaller.java")
        val classes = Files.createTempDirectory("payquery-java").toFile()
        val out = ByteArrayOutputStream()
        val javac = ToolProvider.getSystemJavaCompiler()
        val code = javac.run(null, out, out, "-classpath", System.getProperty("java.class.path"), "-d", classes.path, source.path)
        assertEquals(0, code, out.toString(Charsets.UTF_8))
        val loader = URLClassLoader(arrayOf(classes.toURI().toURL()), javaClass.classLoader)
        val codes = loader.loadClass("JavaCaller").getMethod("run").invoke(null)
        assertEquals("INVALID_CONFIG INVALID_INPUT INVALID_CONFIG INVALID_INPUT INVALID_CONFIG", codes)
        // Issue 27: typed configs, attempts and every query option from Java (no unsigned types).
        assertEquals("NETWORK_ERROR 1 null true 4096", loader.loadClass("JavaCaller").getMethod("typed").invoke(null))
        // Issue 31: a notification handled from Java, its rejection caught with the reply.
        assertEquals("SIGNATURE_INVALID 401 FAIL", loader.loadClass("JavaCaller").getMethod("notifications").invoke(null))
    }

    @Test
    fun `a query for another provider is refused at run time`() {
        val fubei = Client(Config.Fubei(FubeiConfig(appId = "1", appSecret = Secret("s"))))
        val e =
            org.junit.jupiter.api.assertThrows<PayqueryException.InvalidInput> {
                fubei.buildQuery(Query.WechatpayEduPapay(EduPapayQuery(outTradeNo = "A1")))
            }
        assertEquals("query", e.field)
    }
}
