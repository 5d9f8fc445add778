// A SCIM server made of SCIMMY (the SCIM protocol: schemas, filters, PATCH) and its Express
// routers, from the npm registry, with the least glue a vendor writes: in-memory storage,
// ids numbered per resource type from 1, a bearer token. Used by entramap's live tests as a
// second independent implementation beside scim2-server. Listens on 127.0.0.1 only.
//
// Usage: node server.mjs PORT TOKEN  (serves http://127.0.0.1:PORT/scim)
import express from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";

const [port, token] = process.argv.slice(2);
if (!port || !token) {
    console.error("usage: node server.mjs PORT TOKEN");
    process.exit(2);
}

function store(kind, unique) {
    const items = new Map();
    let next = 1;
    // Plain JSON: what SCIMMY hands the handlers are schema instances.
    const plain = (v) => JSON.parse(JSON.stringify(v));
    return {
        ingress(resource, instance) {
            const data = plain(instance);
            const clash = [...items.values()].find((i) => i.id !== resource.id
                && String(i[unique]).toLowerCase() === String(data[unique]).toLowerCase());
            if (clash) throw new SCIMMY.Types.Error(409, "uniqueness", `${unique} is already taken`);
            if (resource.id) {
                if (!items.has(resource.id)) throw new SCIMMY.Types.Error(404, null, `${kind} ${resource.id} not found`);
                const updated = {...data, id: resource.id};
                items.set(resource.id, updated);
                return updated;
            }
            const id = String(next++);
            const created = {...data, id};
            items.set(id, created);
            return created;
        },
        egress(resource) {
            if (resource.id) {
                const found = items.get(resource.id);
                if (!found) throw new SCIMMY.Types.Error(404, null, `${kind} ${resource.id} not found`);
                return found;
            }
            const all = [...items.values()];
            return resource.filter ? resource.filter.match(all) : all;
        },
        degress(resource) {
            if (!items.delete(resource.id)) throw new SCIMMY.Types.Error(404, null, `${kind} ${resource.id} not found`);
        },
    };
}

const users = store("User", "userName");
const groups = store("Group", "displayName");
SCIMMY.Resources.declare(SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false))
    .ingress((r, i) => users.ingress(r, i)).egress((r) => users.egress(r)).degress((r) => users.degress(r));
SCIMMY.Resources.declare(SCIMMY.Resources.Group)
    .ingress((r, i) => groups.ingress(r, i)).egress((r) => groups.egress(r)).degress((r) => groups.degress(r));

const app = express();
app.use("/scim", new SCIMMYRouters({
    type: "bearer",
    handler: (request) => {
        if (request.header("Authorization") !== `Bearer ${token}`) throw new Error("Authorization failed");
        return "entramap";
    },
}));
app.listen(Number(port), "127.0.0.1", () => console.log(`listening on 127.0.0.1:${port}`));
