/**
 * What a route should send upstream, computed here from the route table independently of the
 * server's own code: the test's oracle for the credential a fake upstream must see.
 */
import type { CredProxyRoute } from "../../components/routes/types";

/** The header a route's token travels in, lower-cased as Node reports it, and its exact value. */
export interface ExpectedCredential {
    header: string;
    value: string;
}

export function expectedCredential(
    route: Pick<CredProxyRoute, "authScheme" | "authUser" | "authHeader">,
    token: string,
): ExpectedCredential {
    const header = (route.authHeader ?? "Authorization").toLowerCase();
    if (route.authScheme === "Basic") return { header, value: `Basic ${Buffer.from(`${route.authUser}:${token}`).toString("base64")}` };
    if (route.authScheme === "none") return { header, value: token };
    return { header, value: `${route.authScheme} ${token}` };
}
