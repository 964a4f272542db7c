import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.CommandLineInput;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * DynamoDB Local bound to 127.0.0.1 only. Its jar's own main (ServerRunner) listens on every interface
 * and has no option to choose one, so this does what that main does (same arguments), except that it
 * sets the host of the embedded Jetty server's connector before starting it. Compiled at first use by
 * local/dynamodb-local.ts and run with the jar on the class path.
 */
public final class LoopbackDynamoDbLocal {
  private static final String HOST = "127.0.0.1";

  private LoopbackDynamoDbLocal() {}

  public static void main(String[] args) throws Exception {
    // Parses the arguments as the jar's main does; false means it printed the help.
    if (!new CommandLineInput(args).init()) return;
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    Connector[] connectors = jetty.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
    for (Connector connector : connectors) {
      if (!(connector instanceof ServerConnector)) {
        throw new IllegalStateException("cannot bind a " + connector.getClass().getName() + " to " + HOST);
      }
      ((ServerConnector) connector).setHost(HOST);
    }
    proxy.start();
    if (!jetty.isStarted()) {
      System.err.println("DynamoDB Local did not start on " + HOST);
      System.exit(1);
    }
  }
}
