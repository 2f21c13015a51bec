# 課題1: 2つの正方行列の積を求め、行列サイズ N と実行時間の関係を調べるプログラム
#
# 課題の規則により、このファイルが import してよいのは time と matplotlib だけである。
# 単独で `python kadai1.py` と実行すると、2種類の実装を N を 2 倍ずつ大きくしながら計測し、
# 結果を表として表示する（グラフは matplotlib が使えるときだけ kadai1.svg に保存する）。
# パイプライン (workflow/rules/kadai1.smk) は、このファイルの matmul_naive / matmul_fast を
# そのまま読み込み、共通の計測器で繰り返し計測する。
import time


def matmul_naive(a, b):
    """教科書どおりの i-j-k 3重ループ。c[i][j] = Σ_k a[i][k]·b[k][j]"""
    n = len(a)
    c = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            s = 0.0
            for k in range(n):
                s += a[i][k] * b[k][j]
            c[i][j] = s
    return c


def matmul_fast(a, b):
    """import なしで速くした版（積和の回数は同じ N^3 回で、Python の命令数を減らす）。

    1. b を zip(*b) で転置し、c[i][j] を「a の i 行」と「b の j 列」の内積にする。
       最内ループは 2 本の行を zip で先頭から順に読むだけになり、添字計算 a[i][k], b[k][j]
       と range の反復がなくなる。
    2. 列を 4 本ずつまとめ、a の要素 x を 1 回読むごとに 4 つの積和を行う（ループの展開）。
       ループ 1 周あたりの解釈コスト（反復・タプルの分解）が 4 回の積和で分け合われる。
    3. 部分和 s0..s3 はローカル変数に置き、リストへの書き込みは内積 1 つにつき 1 回にする。
    """
    n = len(a)
    b_cols = list(zip(*b))
    m = n - n % 4
    groups = [b_cols[j:j + 4] for j in range(0, m, 4)]
    rest = b_cols[m:]  # N が 4 の倍数でないときに残る列
    c = []
    for a_row in a:
        c_row = []
        for b0, b1, b2, b3 in groups:
            s0 = s1 = s2 = s3 = 0.0
            for x, y0, y1, y2, y3 in zip(a_row, b0, b1, b2, b3):
                s0 += x * y0
                s1 += x * y1
                s2 += x * y2
                s3 += x * y3
            c_row += (s0, s1, s2, s3)
        for b_col in rest:
            s = 0.0
            for x, y in zip(a_row, b_col):
                s += x * y
            c_row.append(s)
        c.append(c_row)
    return c


def random_matrix(n, seed):
    """import random を使わずに、線形合同法で [0, 1) の一様乱数行列を作る"""
    x = seed * 2654435761 % 4294967296 + 1
    m = []
    for _ in range(n):
        row = []
        for _ in range(n):
            x = (1103515245 * x + 12345) % 2147483648
            row.append(x / 2147483648)
        m.append(row)
    return m


def time_once(f, a, b):
    t0 = time.perf_counter()
    f(a, b)
    return time.perf_counter() - t0


def main(budget_s=10.0, n_start=8, n_stop=4096):
    """N を 2 倍ずつ増やし、次の 1 回が budget_s 秒を超えると予測されたら止める"""
    results = {}
    for name, f in (("naive", matmul_naive), ("fast", matmul_fast)):
        sizes, times = [], []
        n = n_start
        while n <= n_stop:
            if len(times) >= 2:
                # 直近 2 点の増え方 (t ∝ N^k の k) から次の N の時間を予測する
                k = 3.0
                if times[-2] > 0 and times[-1] > times[-2]:
                    ratio = times[-1] / times[-2]
                    k = 0.0
                    while 2.0 ** k < ratio:
                        k += 0.01
                predicted = times[-1] * 2.0 ** k
                if predicted > budget_s:
                    print(f"{name}: N={n} は予測 {predicted:.1f} s が上限 {budget_s} s を超えるので止める")
                    break
            a, b = random_matrix(n, 1), random_matrix(n, 2)
            t = min(time_once(f, a, b) for _ in range(3))
            sizes.append(n)
            times.append(t)
            print(f"{name:5s} N={n:5d}  {t:.4g} s")
            n *= 2
        results[name] = (sizes, times)
    try:
        import matplotlib
        matplotlib.use("Agg")
        from matplotlib import pyplot as plt
    except ImportError:
        return results
    fig, ax = plt.subplots()
    for name, (sizes, times) in results.items():
        ax.loglog(sizes, times, "o-", label=name)
    ax.set_xlabel("matrix size N")
    ax.set_ylabel("time [s]")
    ax.legend()
    fig.savefig("kadai1.svg")
    return results


if __name__ == "__main__":
    main()
