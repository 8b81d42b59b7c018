// A minimal Node.js language host for the Pulumi engine, written for this repo's CI.
//
// Why it exists: upstream's pulumi-language-nodejs lives in its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) that the Go module
// proxy reachable from these machines does not serve (403 for every version), and the
// last sdk/v3 release that still carried it (v3.68.0) predates RunPlugin, which the
// 3.248 engine uses to start Node.js policy packs. Everything this host needs from Pulumi
// (gRPC types, plugin plumbing, the policy-pack proxy) is in sdk/v3, which the proxy serves.
//
// Scope: what `pulumi preview/up/destroy [--policy-pack]` of an already-installed Node.js
// project needs (Handshake, GetPluginInfo, GetRequiredPackages/Plugins, Run, RunPlugin,
// InstallDependencies as a no-op). Everything else answers Unimplemented.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/google/shlex"
	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Set with -ldflags "-X main.version=..." to the CLI version it is built next to.
var version = "0.0.0-dev"

// The Node SDK exits with this code once it has already printed an actionable message;
// the engine must then bail without adding its own error on top.
const exitAfterUserActionableMessage = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
}

func main() {
	showVersion := flag.Bool("version", false, "print the version and exit")
	// The engine may pass these; accepted so flag parsing does not fail, otherwise unused.
	flag.String("tracing", "", "ignored")
	flag.String("runtime", "nodejs", "ignored: only nodejs is supported")
	flag.String("root", "", "ignored")
	flag.Parse()
	if *showVersion {
		fmt.Println(version)
		return
	}

	h := &host{}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	if args := flag.Args(); len(args) > 0 {
		h.engineAddress = args[0]
		// Exit when the engine goes away so no orphaned host is left behind.
		if err := rpcutil.Healthcheck(ctx, h.engineAddress, 5*time.Minute, cancel); err != nil {
			cmdutil.Exit(fmt.Errorf("health check: %w", err))
		}
	}
	stop := make(chan bool)
	go func() { <-ctx.Done(); close(stop) }()

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stop,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("serve: %w", err))
	}
	// The engine reads the port from our first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(err)
	}
}

func (h *host) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.engineAddress = req.EngineAddress
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// Providers are loaded on demand from each resource's registered package version, so an
// empty list is enough; it also keeps the engine from demanding plugins for packages that
// are installed but not used by the stack (aws, kubernetes, tailscale here).
func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// CI installs node_modules itself (npm install with the lock file); nothing to do here.
func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	srv pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	return nil
}

type nodeOptions struct {
	typescript bool
	tsconfig   string
	nodeargs   []string
}

func parseOptions(opts map[string]any) (nodeOptions, error) {
	o := nodeOptions{typescript: true}
	if v, ok := opts["typescript"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return o, fmt.Errorf("runtime option typescript=%v must be a boolean", v)
		}
		o.typescript = b
	}
	if v, ok := opts["tsconfig"]; ok {
		s, isStr := v.(string)
		if !isStr {
			return o, fmt.Errorf("runtime option tsconfig=%v must be a string", v)
		}
		o.tsconfig = s
	}
	if v, ok := opts["nodeargs"]; ok {
		s, isStr := v.(string)
		if !isStr {
			return o, fmt.Errorf("runtime option nodeargs=%v must be a string", v)
		}
		args, err := shlex.Split(s)
		if err != nil {
			return o, fmt.Errorf("runtime option nodeargs=%q: %w", s, err)
		}
		o.nodeargs = args
	}
	return o, nil
}

func (o nodeOptions) env() []string {
	var env []string
	if o.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if o.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+o.tsconfig)
	}
	return env
}

// resolveModule finds mod the way the program itself would (Node's resolution from dir),
// so the SDK copy the program imports is the one that runs it.
func resolveModule(mod, dir string) (string, error) {
	cmd := exec.Command("node", "-e", "console.log(require.resolve(process.argv[1]))", mod)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("cannot resolve %s from %s (run npm install there): %s", mod, dir, ee.Stderr)
		}
		return "", fmt.Errorf("cannot run node to resolve %s: %w", mod, err)
	}
	return strings.TrimSpace(string(out)), nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	runPath, err := resolveModule("@pulumi/pulumi/cmd/run", dir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	opts, err := parseOptions(req.GetInfo().GetOptions().AsMap())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	// The SDK reads config in the legacy "<ns>:config:<name>" form it has always accepted.
	cfg := map[string]string{}
	for k, v := range req.GetConfig() {
		key, err := config.ParseKey(k)
		if err != nil {
			return &pulumirpc.RunResponse{Error: err.Error()}, nil
		}
		cfg[key.Namespace()+":config:"+key.Name()] = v
	}
	cfgJSON, _ := json.Marshal(cfg)
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretJSON, _ := json.Marshal(secretKeys)

	// The SDK talks to the engine's resource monitor directly; no proxy is needed for it.
	args := append([]string{}, opts.nodeargs...)
	args = append(args, runPath)
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engineAddress)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", req.GetInfo().GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", dir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	args = append(args, req.GetInfo().GetEntryPoint())
	args = append(args, req.GetArgs()...)

	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = append(os.Environ(), opts.env()...)
	cmd.Env = append(cmd.Env, "PULUMI_CONFIG="+string(cfgJSON), "PULUMI_CONFIG_SECRET_KEYS="+string(secretJSON))
	// Our stdout/stderr are read by the engine and shown as the program's output.
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ee.ExitCode() == exitAfterUserActionableMessage {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", ee.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run node: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin starts Node.js plugins; the engine uses it for policy packs (kind "analyzer").
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, srv pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := srv.Context()
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(srv, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	dir := req.GetInfo().GetProgramDirectory()
	opts, err := parseOptions(req.GetInfo().GetOptions().AsMap())
	if err != nil {
		return err
	}
	isPolicy := req.GetKind() == string(apitype.AnalyzerPlugin)
	mod := "@pulumi/pulumi/cmd/run-plugin"
	if isPolicy {
		mod = "@pulumi/pulumi/cmd/run-policy-pack"
	}
	runPath, err := resolveModule(mod, dir)
	if err != nil {
		return err
	}
	args := append([]string{runPath}, opts.nodeargs...)
	// run-policy-pack takes the pack directory last; run-plugin takes it first.
	if isPolicy {
		args = append(append(args, req.GetArgs()...), dir)
	} else {
		args = append(append(args, dir), req.GetArgs()...)
	}
	env := append(append([]string{}, req.GetEnv()...), opts.env()...)

	// A policy pack learns the stack (project, stack, config) from the engine's
	// ConfigureStack call, which reaches the pack only after it has started. sdk's
	// PolicyProxy answers that call first so the pack can start with it in its environment.
	var proxy *sdk.PolicyProxy
	if isPolicy {
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("policy pack proxy: %w", err)
		}
		stackCfg, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("policy pack stack configuration: %w", err)
		}
		if stackCfg != nil {
			env = append(env,
				"PULUMI_NODEJS_ORGANIZATION="+stackCfg.Organization,
				"PULUMI_NODEJS_PROJECT="+stackCfg.Project,
				"PULUMI_NODEJS_STACK="+stackCfg.Stack,
				"PULUMI_NODEJS_DRY_RUN="+strconv.FormatBool(stackCfg.DryRun))
			if stackCfg.Config != nil {
				b, err := json.Marshal(stackCfg.Config)
				if err != nil {
					return err
				}
				env = append(env, "PULUMI_CONFIG="+string(b))
			}
		}
	}

	cmd := exec.CommandContext(ctx, "node", args...)
	// Policy packs have always run from their own directory (their node_modules win).
	cmd.Dir = req.GetPwd()
	if isPolicy {
		cmd.Dir = dir
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not start node: %w", err)
	}
	if proxy != nil {
		// Attach forwards the engine's analyzer calls to the pack and waits for it.
		if err := proxy.Attach(ctx, cmd); err != nil {
			return fmt.Errorf("policy pack: %w", err)
		}
	} else if err := cmd.Wait(); err != nil {
		return fmt.Errorf("plugin exited: %w", err)
	}
	return closer.Close()
}
