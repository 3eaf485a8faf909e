/**
 * aws-sdk-client-mock replaces a client's `send`, so the SDK never signs a mocked request and never
 * resolves the client's credentials. For an environment reached through a role that hides the role
 * assumption (and its failures). `resolveRoleCredentialsOnSend` puts that step back for the clients
 * the bot made for a role (those carrying the `chatopsRoleMark` middleware, src/aws/clients.ts): their
 * credentials are resolved before the stubbed send runs, as the SDK does when it signs, and an error
 * is marked with the role, as the middleware does.
 */
interface SendingClient {
  config: { credentials?: unknown };
  middlewareStack: { identify(): string[] };
}

type Send = (this: SendingClient, ...args: unknown[]) => Promise<unknown>;

/** Install on a mocked client class (again after each mock reset, which replaces the stub); returns the undo. */
export function resolveRoleCredentialsOnSend(clientClass: { prototype: unknown }): () => void {
  const proto = clientClass.prototype as { send: Send };
  const stubbed = proto.send;
  const wrapper: Send = async function (this: SendingClient, ...args: unknown[]) {
    const marked = this.middlewareStack.identify().some((m) => m.startsWith('chatopsRoleMark'));
    if (marked && typeof this.config.credentials === 'function') await (this.config.credentials as () => Promise<unknown>)();
    return stubbed.apply(this, args);
  };
  proto.send = wrapper;
  return () => {
    if (proto.send === wrapper) proto.send = stubbed;
  };
}
