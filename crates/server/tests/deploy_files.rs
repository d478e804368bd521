//! The deployment files in deploy/ checked against the server, since no Docker engine or
//! Kubernetes cluster runs in CI: the YAML parses, the Kubernetes objects have the fields the API
//! server requires and refer to each other correctly, every `MINIBASE_*` variable they set is a
//! configuration key (in config.rs and docs/configuration.md) and the settings of each example
//! pass the server's own validation, and the ports and probe paths are the ones the server
//! listens on and answers.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use figment::providers::Serialized;
use figment::Figment;
use minibase::config::RawConfig;
use yaml_rust2::{Yaml, YamlLoader};

use common::{Backend, TestApp};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|err| panic!("{path}: {err}"))
}

fn yaml_docs(path: &str) -> Vec<Yaml> {
    YamlLoader::load_from_str(&read(path)).unwrap_or_else(|err| panic!("{path}: {err}"))
}

fn text<'a>(doc: &'a Yaml, path: &str) -> &'a str {
    field(doc, path)
        .as_str()
        .unwrap_or_else(|| panic!("{path} is not a string in {doc:?}"))
}

/// `a.b.c` inside nested mappings (`BadValue` when absent).
fn field<'a>(doc: &'a Yaml, path: &str) -> &'a Yaml {
    path.split('.').fold(doc, |node, key| &node[key])
}

fn present(doc: &Yaml, path: &str) -> bool {
    !field(doc, path).is_badvalue()
}

fn list<'a>(doc: &'a Yaml, path: &str) -> &'a [Yaml] {
    field(doc, path)
        .as_vec()
        .map(Vec::as_slice)
        .unwrap_or_else(|| panic!("{path} is not a list"))
}

/// A mapping of strings (labels, environment, ConfigMap data) as Rust strings.
fn string_map(node: &Yaml) -> BTreeMap<String, String> {
    let hash = node
        .as_hash()
        .unwrap_or_else(|| panic!("not a mapping: {node:?}"));
    hash.iter()
        .map(|(k, v)| {
            let value = match v {
                Yaml::String(s) => s.clone(),
                Yaml::Integer(i) => i.to_string(),
                Yaml::Boolean(b) => b.to_string(),
                other => panic!("{k:?}: not a scalar: {other:?}"),
            };
            (k.as_str().expect("string key").to_string(), value)
        })
        .collect()
}

/// Configuration keys the server knows, from config.rs itself.
fn known_keys() -> BTreeSet<String> {
    match serde_json::to_value(RawConfig::default()).expect("serialise the defaults") {
        serde_json::Value::Object(map) => map.keys().cloned().collect(),
        _ => unreachable!(),
    }
}

/// Every variable is a key of config.rs with its row in docs/configuration.md.
fn assert_known(source: &str, env: &BTreeMap<String, String>) {
    let keys = known_keys();
    let docs = read("docs/configuration.md");
    for name in env.keys() {
        let key = name
            .strip_prefix("MINIBASE_")
            .unwrap_or_else(|| panic!("{source}: {name} is not a MINIBASE_ variable"))
            .to_ascii_lowercase();
        assert!(
            keys.contains(&key),
            "{source}: {name} is no configuration key"
        );
        let row = format!("| `{key}` | `{name}` |");
        assert!(
            docs.contains(&row),
            "{source}: docs/configuration.md lacks {row}"
        );
    }
}

/// The server validates these settings (prod mode included) as it would at start.
fn assert_valid(source: &str, env: &BTreeMap<String, String>) -> minibase::config::Config {
    let values: BTreeMap<String, figment::value::Value> = env
        .iter()
        .map(|(name, value)| {
            let key = name["MINIBASE_".len()..].to_ascii_lowercase();
            (key, value.parse().expect("figment parses any string"))
        })
        .collect();
    let figment = Figment::from(Serialized::defaults(RawConfig::default()))
        .merge(Serialized::defaults(values));
    let raw = RawConfig::extract(&figment).unwrap_or_else(|err| panic!("{source}: {err}"));
    raw.validate()
        .unwrap_or_else(|err| panic!("{source}: the server would refuse to start: {err}"))
}

/// `KEY=value` lines (an env file or docker compose's .env), comments and blanks skipped.
fn env_file(path: &str) -> BTreeMap<String, String> {
    read(path)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l
                .split_once('=')
                .unwrap_or_else(|| panic!("{path}: '{l}' is not KEY=value"));
            (k.trim().to_string(), v.trim().to_string())
        })
        .collect()
}

/// docker compose's `${VAR:?message}` and `${VAR:-default}`, filled from `vars`.
fn interpolate(value: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("closing brace") + start;
        let inner = &rest[start + 2..end];
        let (name, default) = match inner.find([':', '-', '?']) {
            Some(i) => {
                let tail = inner[i..].trim_start_matches(':');
                let default = tail.strip_prefix('-').map(str::to_string);
                (&inner[..i], default)
            }
            None => (inner, None),
        };
        let value =
            vars.get(name).cloned().or(default).unwrap_or_else(|| {
                panic!("${{{name}}} is neither in the example .env nor defaulted")
            });
        out.push_str(&value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// A compose service with YAML merge keys (`<<: *node`) applied, which yaml-rust2 leaves as is.
fn service(compose: &Yaml, name: &str) -> Yaml {
    let Yaml::Hash(hash) = &compose["services"][name] else {
        panic!("no service {name}");
    };
    let mut merged = match hash.get(&Yaml::String("<<".into())) {
        Some(Yaml::Hash(base)) => base.clone(),
        _ => Default::default(),
    };
    for (k, v) in hash {
        if k.as_str() != Some("<<") {
            merged.insert(k.clone(), v.clone());
        }
    }
    Yaml::Hash(merged)
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .unwrap_or_else(|err| panic!("{url}: {err}"))
        .host_str()
        .expect("a host")
        .to_string()
}

#[test]
fn compose_runs_three_nodes_behind_nginx_on_postgres_and_redis() {
    let docs = yaml_docs("deploy/docker-compose.yml");
    assert_eq!(docs.len(), 1);
    let compose = &docs[0];
    let services = field(compose, "services").as_hash().expect("services");
    let names: BTreeSet<&str> = services.keys().filter_map(Yaml::as_str).collect();
    for needed in ["postgres", "redis", "nginx", "migrate"] {
        assert!(names.contains(needed), "compose lacks the {needed} service");
    }
    let nodes: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| n.starts_with("minibase-"))
        .collect();
    assert_eq!(nodes.len(), 3, "three Minibase nodes: {nodes:?}");

    let example = env_file("deploy/compose.env.example");
    let upstream = read("deploy/nginx/minibase.conf");
    for node in nodes.iter().copied().chain(["migrate"]) {
        let service = &service(compose, node);
        assert!(present(service, "image"), "{node}: no image");
        let env: BTreeMap<String, String> = string_map(&service["environment"])
            .into_iter()
            .map(|(k, v)| (k, interpolate(&v, &example)))
            .collect();
        assert_known(&format!("compose {node}"), &env);
        let config = assert_valid(&format!("compose {node}"), &env);
        assert_eq!(config.mode, minibase::config::Mode::Prod);
        assert!(config.redis_url.is_some(), "{node}: nodes share Redis");
        // The services the URLs name are the ones compose starts.
        assert!(names.contains(host_of(&config.database.url).as_str()));
        assert!(names.contains(host_of(config.redis_url.as_deref().unwrap_or_default()).as_str()));
        if node != "migrate" {
            let port = config.http.listen.port();
            let entry = format!("server {node}:{port}");
            assert!(
                upstream.contains(&entry),
                "nginx's upstream lacks '{entry}'"
            );
        }
    }
    // nginx publishes HTTPS and mounts the config this test read.
    let nginx = &service(compose, "nginx");
    let ports: Vec<&str> = list(nginx, "ports")
        .iter()
        .filter_map(Yaml::as_str)
        .collect();
    assert!(ports.iter().any(|p| p.ends_with(":443")), "{ports:?}");
    assert!(list(nginx, "volumes")
        .iter()
        .filter_map(Yaml::as_str)
        .any(|v| v.starts_with("./nginx/minibase.conf:")));
    assert!(upstream.contains("listen 443 ssl"));
    assert!(upstream.contains("proxy_set_header Upgrade"), "WebSockets");
    // The Dockerfile the services build exists and builds the shipping profile as non-root.
    let node = service(compose, "minibase-1");
    let dockerfile = read(text(&node, "build.dockerfile"));
    assert!(dockerfile.contains("--profile dist"));
    assert!(dockerfile.contains("\nUSER 65532"));
    assert!(dockerfile.contains("EXPOSE 8080"));
}

/// The Kubernetes objects by kind, each checked for what the API server requires.
fn kubernetes_objects() -> BTreeMap<String, Vec<Yaml>> {
    let kustomization = &yaml_docs("deploy/kubernetes/kustomization.yaml")[0];
    assert_eq!(text(kustomization, "kind"), "Kustomization");
    let mut objects: BTreeMap<String, Vec<Yaml>> = BTreeMap::new();
    for resource in list(kustomization, "resources") {
        let file = resource.as_str().expect("a file name");
        // The real Secret is made by the operator from the committed example.
        let file = if file == "secret.yaml" {
            "secret.example.yaml"
        } else {
            file
        };
        for doc in yaml_docs(&format!("deploy/kubernetes/{file}")) {
            for required in ["apiVersion", "kind", "metadata.name"] {
                assert!(present(&doc, required), "{file}: no {required}");
            }
            objects
                .entry(text(&doc, "kind").to_string())
                .or_default()
                .push(doc);
        }
    }
    objects
}

fn labels_match(selector: &Yaml, labels: &Yaml) -> bool {
    let labels = string_map(labels);
    let selector = string_map(selector);
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

#[test]
fn kubernetes_manifests_are_complete_and_consistent() {
    let objects = kubernetes_objects();
    let one = |kind: &str| -> &Yaml {
        let list = objects
            .get(kind)
            .unwrap_or_else(|| panic!("no {kind} among the manifests"));
        assert_eq!(list.len(), 1, "one {kind}");
        &list[0]
    };
    let deployment = one("Deployment");
    assert_eq!(text(deployment, "apiVersion"), "apps/v1");
    let template = &deployment["spec"]["template"];
    assert!(labels_match(
        &deployment["spec"]["selector"]["matchLabels"],
        &template["metadata"]["labels"]
    ));
    assert!(field(deployment, "spec.replicas").as_i64().unwrap_or(0) >= 2);
    assert_eq!(text(deployment, "spec.strategy.type"), "RollingUpdate");
    assert_eq!(
        field(deployment, "spec.strategy.rollingUpdate.maxUnavailable").as_i64(),
        Some(0)
    );

    let containers = list(template, "spec.containers");
    assert_eq!(containers.len(), 1);
    let container = &containers[0];
    assert!(present(container, "name") && present(container, "image"));
    assert!(present(container, "resources.requests.cpu"));
    assert!(present(container, "resources.requests.memory"));
    assert!(present(container, "resources.limits.memory"));
    assert_eq!(
        field(container, "securityContext.allowPrivilegeEscalation").as_bool(),
        Some(false)
    );
    assert_eq!(
        field(template, "spec.securityContext.runAsNonRoot").as_bool(),
        Some(true)
    );

    // The settings the pod gets: the ConfigMap and the Secret it names.
    let mut env = BTreeMap::new();
    for source in list(container, "envFrom") {
        let (kind, name) = if present(source, "configMapRef") {
            ("ConfigMap", text(source, "configMapRef.name"))
        } else {
            ("Secret", text(source, "secretRef.name"))
        };
        let object = one(kind);
        assert_eq!(text(object, "metadata.name"), name, "{kind} {name}");
        let data = if kind == "Secret" {
            &object["stringData"]
        } else {
            &object["data"]
        };
        env.extend(string_map(data));
    }
    assert_known("kubernetes", &env);
    let config = assert_valid("kubernetes", &env);
    assert_eq!(config.mode, minibase::config::Mode::Prod);
    // Pods share no disk: files go to object storage.
    assert_eq!(
        env.get("MINIBASE_FILES_STORE").map(String::as_str),
        Some("s3")
    );
    let shutdown = config.http.shutdown_timeout.as_secs() as i64;
    let grace = field(template, "spec.terminationGracePeriodSeconds")
        .as_i64()
        .expect("terminationGracePeriodSeconds");
    let pause = field(container, "lifecycle.preStop.sleep.seconds")
        .as_i64()
        .unwrap_or(0);
    assert!(
        pause + shutdown < grace,
        "preStop {pause} s + shutdown {shutdown} s must end before the grace period {grace} s"
    );

    // Ports and probes: the container port is the one the server listens on, the probes ask
    // the paths the server answers (`server_answers_the_probe_paths` below).
    let ports = list(container, "ports");
    let listen_port = i64::from(config.http.listen.port());
    let named = |name: &str| {
        ports
            .iter()
            .find(|p| p["name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("no container port named {name}"))
    };
    assert_eq!(named("http")["containerPort"].as_i64(), Some(listen_port));
    for (probe, path) in [
        ("readinessProbe", "/readyz"),
        ("livenessProbe", "/healthz"),
        ("startupProbe", "/healthz"),
    ] {
        let get = &container[probe]["httpGet"];
        assert_eq!(get["path"].as_str(), Some(path), "{probe}");
        match &get["port"] {
            Yaml::String(name) => {
                named(name);
            }
            Yaml::Integer(port) => assert_eq!(*port, listen_port, "{probe}"),
            other => panic!("{probe}: port {other:?}"),
        }
    }

    let service = one("Service");
    assert!(labels_match(
        &service["spec"]["selector"],
        &template["metadata"]["labels"]
    ));
    for port in list(service, "spec.ports") {
        assert!(present(port, "port"));
        match &port["targetPort"] {
            Yaml::String(name) => {
                named(name);
            }
            Yaml::Integer(p) => assert_eq!(*p, listen_port),
            other => panic!("targetPort {other:?}"),
        }
    }

    let pdb = one("PodDisruptionBudget");
    assert_eq!(text(pdb, "apiVersion"), "policy/v1");
    assert!(labels_match(
        &pdb["spec"]["selector"]["matchLabels"],
        &template["metadata"]["labels"]
    ));
    assert!(present(pdb, "spec.maxUnavailable") || present(pdb, "spec.minAvailable"));

    let ingress = one("Ingress");
    assert!(present(ingress, "spec.tls"), "WeChat needs HTTPS");
    for rule in list(ingress, "spec.rules") {
        for path in list(rule, "http.paths") {
            assert!(present(path, "pathType"));
            assert_eq!(
                text(path, "backend.service.name"),
                text(service, "metadata.name")
            );
        }
    }
}

#[test]
fn systemd_unit_starts_the_server_with_a_valid_environment() {
    let unit = read("deploy/systemd/minibase.service");
    for section in ["[Unit]", "[Service]", "[Install]"] {
        assert!(unit.contains(section), "unit lacks {section}");
    }
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart");
    assert!(exec.ends_with("minibase serve"), "{exec}");
    assert!(unit.contains("EnvironmentFile=/etc/minibase/minibase.env"));
    // A configuration error exits with 2, which the unit must not restart forever.
    assert!(unit.contains("RestartPreventExitStatus=2"));
    let env = env_file("deploy/systemd/minibase.env.example");
    assert_known("systemd", &env);
    assert_valid("systemd", &env);
}

#[tokio::test]
async fn server_answers_the_probe_paths() {
    let Some(app) = TestApp::spawn(Backend::Sqlite, "server_answers_the_probe_paths").await else {
        return;
    };
    for path in ["/healthz", "/readyz", "/ping"] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, 200, "{path}");
    }
    // The image listens where it says it does, and where the manifests expect it.
    let dockerfile = read("deploy/Dockerfile");
    let listen = dockerfile
        .split("MINIBASE_LISTEN=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the image sets MINIBASE_LISTEN");
    let port: u16 = listen
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port");
    assert!(dockerfile.contains(&format!("EXPOSE {port}")));
    let configmap = &yaml_docs("deploy/kubernetes/configmap.yaml")[0];
    assert_eq!(text(configmap, "data.MINIBASE_LISTEN"), listen);
}
