import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.monitoring.Telemetry;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Runs AWS's DynamoDB Local on the loopback interface only. DynamoDB Local has no bind option: its
 * DynamoDBProxyServer builds a Jetty server on every interface. This builds the server through DynamoDB Local's
 * own command line (ServerRunner.createServerFromCommandLineArgs, so its options and checks are unchanged), binds
 * the Jetty connector to 127.0.0.1 before starting it, and refuses to run unless every socket it listens on is a
 * loopback one. It also refuses browser requests (any Origin header, or a Host other than a loopback name: DNS
 * rebinding), so no web page can read or write the store, and refuses to run if telemetry got configured.
 * Arguments are DynamoDB Local's own (-port, -inMemory, -dbPath, -sharedDb, -disableTelemetry).
 */
public final class DynamoDBLocalLauncher {
  private static final String LOOPBACK = "127.0.0.1";
  private static final Set<String> LOOPBACK_NAMES = Set.of("127.0.0.1", "localhost", "[::1]", "::1");

  private DynamoDBLocalLauncher() {}

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Throwable error) {
      System.err.println("DynamoDB Local launcher: " + error);
      System.exit(1);
    }
  }

  private static void run(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    // With -disableTelemetry DynamoDB Local never creates its telemetry client (nor its installation-id file).
    if (Telemetry.getTelemetry().isPresent()) throw new IllegalStateException("telemetry is on; refusing to start");

    Server jetty = jettyServerOf(proxy);
    List<ServerConnector> connectors = new ArrayList<>();
    for (Connector connector : jetty.getConnectors()) {
      if (!(connector instanceof ServerConnector))
        throw new IllegalStateException("unexpected connector " + connector.getClass().getName());
      ServerConnector network = (ServerConnector) connector;
      network.setHost(LOOPBACK);
      connectors.add(network);
    }
    if (connectors.isEmpty()) throw new IllegalStateException("DynamoDB Local's server has no connector");
    jetty.setHandler(new BrowserGuard(jetty.getHandler()));

    // safeStart: Jetty's start without DynamoDB Local's start-up telemetry event; a port in use throws.
    proxy.safeStart();
    for (ServerConnector connector : connectors) {
      Object transport = connector.getTransport();
      InetSocketAddress bound =
          transport instanceof ServerSocketChannel
              ? (InetSocketAddress) ((ServerSocketChannel) transport).getLocalAddress()
              : null;
      if (bound == null || !bound.getAddress().isLoopbackAddress()) {
        proxy.stop();
        throw new IllegalStateException("the store would listen on " + bound + ", not on loopback only");
      }
    }
    proxy.join();
  }

  /** The Jetty server inside DynamoDBProxyServer, found by type (it has no getter). */
  private static Server jettyServerOf(DynamoDBProxyServer proxy) throws IllegalAccessException {
    Server found = null;
    for (Field field : DynamoDBProxyServer.class.getDeclaredFields()) {
      if (!Server.class.isAssignableFrom(field.getType())) continue;
      if (found != null) throw new IllegalStateException("DynamoDBProxyServer holds more than one Jetty server");
      field.setAccessible(true);
      found = (Server) field.get(proxy);
    }
    if (found == null) throw new IllegalStateException("no Jetty server found in DynamoDBProxyServer");
    return found;
  }

  /**
   * Refuses what only a browser sends: an Origin header (DynamoDB Local would answer preflights with
   * Access-Control-* headers) or a Host that is not a loopback name (a page whose DNS name was rebound to
   * 127.0.0.1). SDKs and the AWS CLI send neither.
   */
  private static final class BrowserGuard extends Handler.Wrapper {
    private static final byte[] REFUSED =
        "{\"__type\":\"com.amazonaws.dynamodb.v20120810#AccessDeniedException\",\"message\":\"Browser requests are refused: this store serves local processes only.\"}"
            .getBytes(StandardCharsets.UTF_8);

    BrowserGuard(Handler handler) {
      super(handler);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      String host = Request.getServerName(request);
      if (request.getHeaders().contains(HttpHeader.ORIGIN) || host == null || !LOOPBACK_NAMES.contains(host)) {
        response.setStatus(403);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/x-amz-json-1.0");
        response.write(true, ByteBuffer.wrap(REFUSED), callback);
        return true;
      }
      return super.handle(request, response, callback);
    }
  }
}
