/**
 * What a route should send upstream, computed here from the route table independently of the
 * server's own code: the test's oracle for the credential a fake upstream must see.
 */
import type { CredProxyRoute } from "../../components/routes/types";

/** The `Authorization` value of a route whose token goes in `Authorization`. */
export function expectedAuthorization(route: Pick<CredProxyRoute, "authScheme" | "authUser" | "authHeader">, token: string): string {
    if (route.authHeader !== undefined && route.authHeader.toLowerCase() !== "authorization") {
        throw new Error(`the route sends its token in ${route.authHeader}, not in Authorization`);
    }
    if (route.authScheme === "Basic") return `Basic ${Buffer.from(`${route.authUser}:${token}`).toString("base64")}`;
    if (route.authScheme === "none") return token;
    return `${route.authScheme} ${token}`;
}
