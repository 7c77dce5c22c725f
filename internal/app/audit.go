package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
)

// AnchorEvery is how often a running server records the audit log's
// anchor (in its anchor file and its log) when the log has grown.
const AnchorEvery = 10 * time.Second

// anchorPath is the anchor file for the configuration, "" for none.
func anchorPath(cfg Config, d *db.DB) string {
	switch cfg.AuditAnchor {
	case "off":
		return ""
	case "":
		if p := d.FilePath(); p != "" {
			return p + ".audit-anchor"
		}
		return ""
	}
	return cfg.AuditAnchor
}

// audit runs `audit verify` and `audit anchor`.
func (e env) audit(ctx context.Context, args []string) error {
	const use = "usage: chuangzheng audit verify [--anchor COUNT:HASH] | chuangzheng audit anchor"
	if len(args) < 1 || (args[0] != "verify" && args[0] != "anchor") {
		return errors.New(use)
	}
	var cfg Config
	fs := e.flags("audit", &cfg)
	var given []string
	fs.Func("anchor", "an anchor printed earlier by `audit anchor` (COUNT:HASH); may be repeated", func(s string) error {
		given = append(given, s)
		return nil
	})
	if pos, err := parse(fs, args[1:]); err != nil {
		return err
	} else if len(pos) > 0 {
		return errors.New(use)
	}
	var anchors []audit.Anchor
	for _, s := range given {
		a, err := audit.ParseAnchor(s)
		if err != nil {
			return err
		}
		anchors = append(anchors, a)
	}
	d, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	path := anchorPath(cfg, d)
	if path != "" {
		a, ok, err := audit.ReadAnchorFile(path)
		if err != nil {
			return fmt.Errorf("审计锚点文件无法读取 (anchor file unreadable): %w", err)
		}
		if ok {
			anchors = append(anchors, a)
			fmt.Fprintf(e.stdout, "锚点文件 %s：%s\n", path, a)
		} else if args[0] == "verify" {
			fmt.Fprintf(e.stdout, "锚点文件 %s 尚不存在，只校验哈希链\n", path)
		}
	}
	n, probs, err := audit.Verify(ctx, d, anchors...)
	if err != nil {
		return err
	}
	for _, p := range probs {
		if p.EntryID != 0 {
			fmt.Fprintf(e.stdout, "第 %d 条：%s\n", p.EntryID, p.Reason)
		} else {
			fmt.Fprintln(e.stdout, p.Reason)
		}
	}
	if len(probs) > 0 {
		return fmt.Errorf("审计日志校验失败：%d 条记录中发现 %d 处问题 (audit chain broken)", n, len(probs))
	}
	if args[0] == "verify" {
		fmt.Fprintf(e.stdout, "审计日志完整：共 %d 条记录，哈希链校验通过", n)
		if len(anchors) > 0 {
			fmt.Fprintf(e.stdout, "，与 %d 个锚点相符", len(anchors))
		}
		fmt.Fprintln(e.stdout)
		return nil
	}
	head, err := audit.Head(ctx, d)
	if err != nil {
		return err
	}
	if path != "" && head.Count > 0 {
		if err := audit.WriteAnchorFile(path, head, time.Now()); err != nil {
			return fmt.Errorf("write audit anchor: %w", err)
		}
	}
	fmt.Fprintf(e.stdout, "审计日志锚点（%s，共 %d 条记录）：\n%s\n", time.Now().Format("2006-01-02 15:04:05"), head.Count, head)
	fmt.Fprintln(e.stdout, "请打印留存或报送上级；日后用 chuangzheng audit verify --anchor 上述值 核对。")
	return nil
}
